// What a worker does with each job its queues hand it: the dispatcher runs the job through its
// flow; as the run settles, its outcome is recorded in the metrics, a failure is logged, a job
// failing with a user error is discarded so that Bull does not retry it, and one whose flow a
// deploy stopped is retried at once. Shared by the runtime and
// bench/dispatch.ts, so that the benchmark measures the code production runs.
//
// This is the hot path. The outcome is handled in the dispatcher's observer, synchronously as the
// run settles, rather than in promise reactions: the job's promise goes from the dispatcher to
// Bull with no reaction of ours in between.
import type { JobPlan } from "../compile";
import { type JobLogSink, logJobFailure, willRetry } from "../observability/job-log";
import type { Metrics } from "../observability/metrics";
import {
  discardIfUserError,
  type JobHandler,
  retryAtOnceIfRedeployed,
} from "../queues/queue-runtime";
import type { RunningJob } from "../services/ports/job-queue";
import { Dispatcher, type RunObserver } from "./dispatcher";
import type { JobTracer } from "./job-traces";

export interface JobOutcomeDependencies {
  readonly metrics: Metrics;
  readonly log: JobLogSink;
}

/** The dispatcher of a worker, which records and logs every run's outcome. */
export function jobDispatcher(deps: JobOutcomeDependencies): Dispatcher<RunningJob, JobPlan> {
  return new Dispatcher<RunningJob, JobPlan>(jobOutcomes(deps));
}

/**
 * Hands each job of the queues to `dispatcher` (the plan carries its `queue` and `timeoutMs`);
 * with a `tracer`, the runs it wants (editor test runs, a sampled share) have their path recorded.
 */
export function jobHandler(
  dispatcher: Dispatcher<RunningJob, JobPlan>,
  tracer?: Pick<JobTracer, "wants" | "trace">,
): JobHandler {
  const handle = tracer
    ? (job: RunningJob, plan: JobPlan) =>
        tracer.wants(job)
          ? tracer.trace(job, plan.queue, () => dispatcher.dispatch(job, plan))
          : dispatcher.dispatch(job, plan)
    : (job: RunningJob, plan: JobPlan) => dispatcher.dispatch(job, plan);
  return Object.assign(handle, { discardsUserErrors: true });
}

function jobOutcomes({ metrics, log }: JobOutcomeDependencies): RunObserver<RunningJob, JobPlan> {
  return {
    settled(job, plan, ms, error) {
      if (!error) {
        metrics.planFinished(plan, "completed", ms / 1000);
        return;
      }
      discardIfUserError(job, error);
      retryAtOnceIfRedeployed(job, error);
      metrics.planFinished(
        plan,
        willRetry(job.attemptsMade, plan, error) ? "retried" : "failed",
        ms / 1000,
      );
      logJobFailure(log, job, plan, error);
    },
  };
}
