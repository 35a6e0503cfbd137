// Jobs and queues as the runtime reads and operates them, whatever the queue engine: plain job
// views with the few operations the API, the editor's jobs tab, tenancy and the services need.
// runtime/adapters/bull/ implements them on Bull; runtime/queues/QueueRuntime hands them out.

/** A state a job can be listed by (`waiting`: Bull's `wait` list). */
export const JOB_STATES = [
  "waiting",
  "active",
  "delayed",
  "completed",
  "failed",
  "paused",
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** One job: what it is, where it stands, and what can be done to it. */
export interface QueuedJob {
  readonly id: string | number;
  readonly name: string;
  readonly data: unknown;
  /** The options it was added with (attempts, backoff, delay, priority, jobId…). */
  readonly opts: object;
  readonly attemptsMade: number;
  /** When it was added (ms since the epoch). */
  readonly timestamp: number;
  readonly processedOn?: number;
  readonly finishedOn?: number;
  readonly failedReason?: string;
  readonly stacktrace: string[];
  readonly returnvalue: unknown;
  getState(): Promise<string>;
  isCompleted(): Promise<boolean>;
  /** Settles when the job completes (with its result) or fails for good (with its error). */
  finished(): Promise<unknown>;
  /** Adds a line to the job's log. */
  log(row: string): Promise<unknown>;
  retry(): Promise<void>;
  remove(): Promise<void>;
  promote(): Promise<void>;
}

/** Which waiting jobs `removeWaitingJobs` removes. */
export interface RemoveByIdOptions {
  /** A glob every accepted id matches (e.g. `campaign-7*`), to narrow the delayed set's scan. */
  readonly pattern: string;
  /** The exact test of an id. */
  readonly accepts: (id: string) => boolean;
}

/** One queue, to inspect and operate (the API, the jobs tab, tenancy, metrics). */
export interface JobQueue {
  readonly name: string;
  findJob(id: string): Promise<QueuedJob | undefined>;
  /** Jobs of one state, newest first, from index `start` to `end` inclusive (-1: to the last). */
  jobsInState(state: JobState, start: number, end: number): Promise<QueuedJob[]>;
  /** How many jobs the queue holds in each state. */
  countJobs(): Promise<Record<JobState, number>>;
  /** Whether the queue is paused for every process (not just this one). */
  isPaused(): Promise<boolean>;
  /** Pauses (or resumes) the queue for every process. */
  setPaused(paused: boolean): Promise<void>;
  /** Removes up to `limit` (0: every) jobs of `state` older than `graceMs`; returns their ids. */
  cleanJobs(
    state: Exclude<JobState, "waiting"> | "wait",
    graceMs: number,
    limit: number,
  ): Promise<string[]>;
  /** Every log line the job's processor wrote. */
  jobLogs(id: string): Promise<string[]>;
  /** Waiting, paused or delayed jobs whose ids pass `options`, removed; their ids. */
  removeWaitingJobs(options: RemoveByIdOptions): Promise<string[]>;
  /** Ids of the jobs in `state`, newest first, at most `limit` of them. */
  idsInState(state: JobState, limit: number): Promise<string[]>;
  /** The owner tag of each id (undefined: not tagged yet, or no such job), in one round trip. */
  readOwnerTags(ids: readonly string[]): Promise<(string | undefined)[]>;
  /** Name and data of each id (undefined for a job that is gone), without the rest of the job. */
  readJobHeads(ids: readonly string[]): Promise<({ name: string; data: unknown } | undefined)[]>;
  /** Tags jobs with their owner (a job removed meanwhile is not brought back). */
  writeOwnerTags(tags: readonly (readonly [string, string])[]): Promise<void>;
}

/** How a job is added: a deterministic id (adding an existing id is a no-op), a delay, a priority. */
export interface EnqueueOptions {
  /** Deterministic id: adding a job whose id exists is a no-op (the first is kept). */
  readonly jobId?: string;
  readonly delayMs?: number;
  readonly priority?: number;
}

/** The bounds of a delay and a priority given from outside (the API, Bull Board's form). */
const OPTION_BOUNDS = { delayMs: [0, 365 * 24 * 3600 * 1000], priority: [1, 2_097_152] } as const;

/**
 * What is wrong with a delay and a priority given from outside, one line each ([] when nothing),
 * each named as its caller calls it.
 */
export function enqueueOptionProblems(
  given: { readonly delayMs?: unknown; readonly priority?: unknown },
  names: { readonly delayMs: string; readonly priority: string } = {
    delayMs: "delayMs",
    priority: "priority",
  },
): string[] {
  return (["delayMs", "priority"] as const).flatMap((option) => {
    const value = given[option];
    const [min, max] = OPTION_BOUNDS[option];
    if (value === undefined) return [];
    if (Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max)
      return [];
    return [`${names[option]} must be a whole number from ${min} to ${max}`];
  });
}

/** Adding jobs of the manifest, each checked against its payload schema. */
export interface JobEnqueuer {
  enqueue(queue: string, name: string, data: unknown, options?: EnqueueOptions): Promise<QueuedJob>;
  enqueueBulk(
    queue: string,
    name: string,
    jobs: readonly { readonly data: unknown; readonly options?: EnqueueOptions }[],
  ): Promise<QueuedJob[]>;
}

/** A job a processor is running: it may be marked not to be retried, or to retry at once. */
export interface RunningJob extends QueuedJob {
  opts: object;
  /** Marks the job so that it is not retried when it fails. */
  discard(): void;
}
