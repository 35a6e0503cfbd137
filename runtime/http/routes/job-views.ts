// What the queue API shows of a Bull job and of a plan, as plain JSON. Which jobs a caller may
// see is runtime/tenancy's: a job they may not see is answered as missing (404), never 403.
import type { Plan } from "../../compile";
import type { QueuedJob } from "../../services/ports/job-queue";

export interface JobSummary {
  readonly id: string;
  readonly name: string;
  readonly data: unknown;
  readonly attemptsMade: number;
  readonly timestamp: number;
  readonly processedOn: number | null;
  readonly finishedOn: number | null;
  readonly failedReason: string | null;
}

export interface JobDetail extends JobSummary {
  readonly queue: string;
  readonly state: string;
  readonly opts: unknown;
  readonly stacktrace: string[];
  readonly returnvalue: unknown;
  readonly logs: string[];
}

export function jobSummary(job: QueuedJob): JobSummary {
  return {
    id: String(job.id),
    name: job.name,
    data: job.data ?? null,
    attemptsMade: job.attemptsMade,
    timestamp: job.timestamp,
    processedOn: job.processedOn ?? null,
    finishedOn: job.finishedOn ?? null,
    failedReason: job.failedReason ?? null,
  };
}

export function jobDetail(
  job: QueuedJob,
  queue: string,
  state: string,
  logs: readonly string[],
): JobDetail {
  return {
    ...jobSummary(job),
    queue,
    state,
    opts: plain(job.opts),
    stacktrace: job.stacktrace ?? [],
    returnvalue: job.returnvalue ?? null,
    logs: [...logs],
  };
}

/** The effective manifest: every queue and job of the plan with the options Bull applies. */
export function effectiveManifest(plan: Plan) {
  return {
    source: plan.source,
    queues: plan.queues.map((q) => ({
      name: q.name,
      description: q.description ?? null,
      concurrency: q.concurrency,
      rateLimit: q.rateLimit ?? null,
      settings: q.settings,
      jobs: q.jobs.map((j) => ({
        name: j.name,
        description: j.description ?? null,
        flow: j.flow,
        enabled: j.enabled,
        hasPayloadSchema: j.payloadSchema !== undefined,
        timeoutMs: j.timeoutMs,
        options: j.options,
        repeat: j.repeat ?? null,
        data: j.data ?? null,
      })),
    })),
  };
}

/** A JSON round trip: drops undefined and functions so the value matches its documented shape. */
function plain<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
