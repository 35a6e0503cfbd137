// Looking up a queue or a job of a plan by the name a person typed: a name that is not there is
// CF_JOB_UNKNOWN with a did-you-mean (or the names there are), as the manifest's own checks do.
import { ChatiaError } from "../errors";
import { didYouMean } from "../manifest/schema-errors";
import type { JobPlan, Plan, QueuePlan } from "./plan";

/** The queue named `name`; throws CF_JOB_UNKNOWN, with the closest name, when there is none. */
export function queueOfPlan(plan: Plan, name: string): QueuePlan {
  const queue = plan.queues.find((q) => q.name === name);
  if (queue) return queue;
  const names = plan.queues.map((q) => q.name);
  throw new ChatiaError(
    "CF_JOB_UNKNOWN",
    `there is no queue "${name}" in the manifest; ${suggestion(name, names, "its queues")}`,
  );
}

/** The job `queue`/`name`; throws CF_JOB_UNKNOWN, naming the closest queue or job, when there is none. */
export function jobOfPlan(plan: Plan, queue: string, name: string): JobPlan {
  const jobs = queueOfPlan(plan, queue).jobs;
  const job = jobs.find((j) => j.name === name);
  if (job) return job;
  const names = jobs.map((j) => j.name);
  throw new ChatiaError(
    "CF_JOB_UNKNOWN",
    `there is no job ${queue}/${name} in the manifest; ${suggestion(name, names, `${queue}'s jobs`)}`,
  );
}

function suggestion(word: string, names: readonly string[], what: string): string {
  return didYouMean(word, names) ?? `${what}: ${names.join(", ")}`;
}
