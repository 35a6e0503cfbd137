// The only file outside tests that loads bull (bull-board.ts imports its types only). It opens
// queues (sharing Redis connections between queues), and exposes the few Bull operations the
// runtime needs; bull-job-queue.ts offers them as the job-queue port (runtime/services/ports).
import { createHash } from "node:crypto";
import Bull from "bull";
import { JOB_STATES, type JobState, type RunningJob } from "../../services/ports/job-queue";
import { timeoutsFromEnv } from "../../timeouts";
import { createRedis, type Redis } from "../redis";

export type BullQueue = Bull.Queue;
export type BullJob = Bull.Job;
export type BullJobStatus = Bull.JobStatus;
export type RepeatableJob = Bull.JobInformation;

export interface BullConnection {
  /** Redis URL. */
  readonly url: string;
  /** Bull key prefix; ChatIA's producers use Bull's default, "bull". */
  readonly prefix: string;
  /**
   * Bound on each command of the shared client (Bull's and chatia's own keys); the blocking and
   * subscriber clients have none. @defaultValue $CHATIA_REDIS_COMMAND_TIMEOUT_MS or 10000
   */
  readonly commandTimeoutMs?: number;
}

/**
 * Redis clients shared by every queue of a process: Bull needs a normal client, a subscriber and
 * one blocking client per queue; the first two can be shared, which keeps the connection count
 * at queues + 2 instead of queues × 3.
 */
export class BullConnections {
  private client?: Redis;
  private subscriber?: Redis;
  private readonly blocking = new Set<Redis>();

  constructor(readonly connection: BullConnection) {}

  createClient = (type: "client" | "subscriber" | "bclient"): Redis => {
    if (type === "client") {
      this.client ??= shared(
        createRedis(this.connection.url, {
          connectionName: "chatia-flow:bull",
          commandTimeoutMs: this.connection.commandTimeoutMs ?? timeoutsFromEnv().redisCommandMs,
        }),
      );
      return this.client;
    }
    if (type === "subscriber") {
      this.subscriber ??= shared(
        createRedis(this.connection.url, {
          connectionName: "chatia-flow:bull-sub",
          enableReadyCheck: false,
        }),
      );
      return this.subscriber;
    }
    const client = createRedis(this.connection.url, {
      connectionName: "chatia-flow:bull-block",
      enableReadyCheck: false,
    });
    this.blocking.add(client);
    client.once("end", () => this.blocking.delete(client));
    return client;
  };

  /** Closes the shared clients; call after every queue using them is closed. */
  async close(): Promise<void> {
    const clients = [this.client, this.subscriber, ...this.blocking].filter(
      (c): c is Redis => c !== undefined,
    );
    // QUIT waits for Redis to answer: a client that never connected is just disconnected.
    await Promise.all(
      clients.map((c) =>
        c.status === "ready" ? c.quit().catch(() => c.disconnect()) : c.disconnect(),
      ),
    );
    this.client = undefined;
    this.subscriber = undefined;
  }
}

/** Every queue adds its own listeners to a shared client: more than Node's default warning limit. */
function shared(client: Redis): Redis {
  client.setMaxListeners(0);
  return client;
}

/** What a queue is opened with (runtime/queues fills it from the plan). */
export interface QueueSpec {
  readonly name: string;
  /** Bull's own limiter: at most `max` jobs per `duration` ms for the whole queue. */
  readonly limiter?: { readonly max: number; readonly duration: number };
  /** Bull's advanced settings (lockDuration, stalledInterval…, backoffStrategies). */
  readonly settings: object;
}

/** Opens (or re-opens) a Bull queue with its limiter and settings. */
export function openQueue(spec: QueueSpec, connections: BullConnections): BullQueue {
  return new Bull(spec.name, {
    prefix: connections.connection.prefix,
    createClient: connections.createClient,
    ...(spec.limiter && { limiter: { max: spec.limiter.max, duration: spec.limiter.duration } }),
    settings: spec.settings as Bull.AdvancedSettings,
  });
}

/** Bull's job options (the plan's, merged by the caller), with an id or a repeat. */
export interface AddOptions {
  readonly jobId?: string;
  readonly repeat?: { readonly cron: string; readonly tz: string };
  readonly [option: string]: unknown;
}

/** Adds a job with the plan's options (the caller merged them) and returns it. */
export async function addJob(
  queue: BullQueue,
  name: string,
  data: unknown,
  options: AddOptions,
): Promise<BullJob> {
  return watchedToTheEnd(await queue.add(name, data, options as Bull.JobOptions));
}

/** Adds several jobs in one round trip; a job whose id exists is left as it is. */
export async function addJobs(
  queue: BullQueue,
  jobs: readonly { name: string; data: unknown; options: AddOptions }[],
): Promise<BullJob[]> {
  const added = await queue.addBulk(
    jobs.map((j) => ({ name: j.name, data: j.data, opts: j.options as Bull.JobOptions })),
  );
  return added.map(watchedToTheEnd);
}

/** How often finished() looks whether its job is still there. */
const GONE_CHECK_MS = 1000;

/**
 * Bull's `finished()` listens for the job's completion and checks the job's sets once, then every
 * few seconds; a job removed on completion (`removeOnComplete`) that completed before it listened
 * is in no set any more, and it would wait for ever (seen with `enqueue --wait` of a quick cron
 * job). Here it also settles when the job is gone: completed, its result not kept, when the job
 * is removed on completion; otherwise an error saying the job was removed before its outcome.
 */
function watchedToTheEnd(job: BullJob): BullJob {
  const bullFinished = job.finished.bind(job);
  job.finished = () =>
    new Promise((resolve, reject) => {
      let settled = false;
      const settle = (how: () => void) => {
        if (settled) return;
        settled = true;
        clearInterval(watch);
        how();
      };
      bullFinished().then(
        (value) => settle(() => resolve(value)),
        (err: unknown) => settle(() => reject(err)),
      );
      const watch = setInterval(() => {
        job.queue.getJob(job.id).then(
          (found) => {
            if (found !== null) return;
            if (job.opts.removeOnComplete) settle(() => resolve(undefined));
            else settle(() => reject(new Error(`job ${job.id} was removed before it finished`)));
          },
          () => undefined, // Redis away: Bull's own wait goes on, as does this watch.
        );
      }, GONE_CHECK_MS);
    });
  return job;
}

/** Registers one processor for every job name, so the queue's concurrency is exact. */
export function processAll(
  queue: BullQueue,
  concurrency: number,
  handler: (job: BullJob) => Promise<unknown>,
): void {
  void queue.process("*", concurrency, handler);
}

export function repeatableJobs(queue: BullQueue): Promise<RepeatableJob[]> {
  return queue.getRepeatableJobs();
}

/**
 * Whether a repeatable trigger's next run (the job Bull names `repeat:<hash>:<next>`) is still
 * waiting, delayed, active or paused: a trigger whose run was removed or cleaned never fires again.
 */
export async function repeatableRunPending(queue: BullQueue, r: RepeatableJob): Promise<boolean> {
  const job = await queue.getJob(repeatRunId(r));
  if (!job) return false;
  return PENDING_STATES.includes(await job.getState());
}

const PENDING_STATES = ["waiting", "delayed", "active", "paused"];

/** The id Bull gives a trigger's run due at `r.next`. */
function repeatRunId(r: Pick<RepeatableJob, "key" | "name" | "id" | "next">): string {
  const idPart = r.id ? `${r.id}:` : ":";
  return `repeat:${md5(`${r.name}${idPart}${md5(r.key)}`)}:${r.next}`;
}

function md5(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

/**
 * Removes a repeatable trigger and its pending next run. A run left outside Bull's lists goes too
 * (Bull's `empty()`, Bull Board's "empty", drops the delayed set but keeps the runs' hashes): the
 * trigger added again before that run's time would get the same id, which Bull takes for a job it
 * already has, and stay without a pending run.
 */
export async function removeRepeatable(queue: BullQueue, key: string): Promise<void> {
  const trigger = (await queue.getRepeatableJobs()).find((r) => r.key === key);
  const run = trigger && (await queue.getJob(repeatRunId(trigger)));
  if (run && !PENDING_STATES.includes(await run.getState())) await run.remove();
  await queue.removeRepeatableByKey(key);
}

/** Marks a job so that Bull does not retry it when it fails (user errors). */
export function discardJob(job: RunningJob): void {
  job.discard();
}

/**
 * Makes the retry of a job failing now start at once, without its backoff wait. Bull reads the
 * backoff from the job object it fails; the change is not saved, so the job's later failures keep
 * the manifest's backoff.
 */
export function skipBackoffOnce(job: RunningJob): void {
  job.opts = { ...job.opts, backoff: undefined };
}

// Inspecting and operating queues (the HTTP API, runtime/http/routes).

export { JOB_STATES, type JobState };

/** How many jobs the queue holds in each state. */
export async function countJobs(queue: BullQueue): Promise<Record<JobState, number>> {
  const counts = await Promise.all(JOB_STATES.map((s) => queue.getJobCountByTypes(s)));
  return Object.fromEntries(JOB_STATES.map((s, i) => [s, counts[i] ?? 0])) as Record<
    JobState,
    number
  >;
}

/** Whether the queue is paused for every process (not just this one). */
export function isQueuePaused(queue: BullQueue): Promise<boolean> {
  return queue.isPaused();
}

/** Jobs of one state, newest first, from index `start` to `end` inclusive (-1: to the last). */
export async function jobsInState(
  queue: BullQueue,
  state: JobState,
  start: number,
  end: number,
): Promise<BullJob[]> {
  // Bull may return null for a job removed between listing and loading it.
  const jobs: (BullJob | null)[] = await queue.getJobs([state], start, end, false);
  return jobs.filter((j): j is BullJob => j !== null);
}

export async function findJob(queue: BullQueue, id: string): Promise<BullJob | undefined> {
  return (await queue.getJob(id)) ?? undefined;
}

export async function jobState(job: BullJob): Promise<string> {
  return job.getState();
}

/** Every log line the job's processor wrote with `job.log()`. */
export async function jobLogs(queue: BullQueue, id: string): Promise<string[]> {
  return (await queue.getJobLogs(id, 0, -1)).logs;
}

export function retryJob(job: BullJob): Promise<void> {
  return job.retry();
}

export function removeJob(job: BullJob): Promise<void> {
  return job.remove();
}

export function promoteJob(job: BullJob): Promise<void> {
  return job.promote();
}

/** Pauses (or resumes) the queue for every process. */
export function setQueuePaused(queue: BullQueue, paused: boolean): Promise<void> {
  return paused ? queue.pause() : queue.resume();
}

/** Removes up to `limit` (0: every) jobs of `state` older than `graceMs`; returns their ids. */
export async function cleanJobs(
  queue: BullQueue,
  state: Exclude<JobState, "waiting"> | "wait",
  graceMs: number,
  limit: number,
): Promise<string[]> {
  // Bull's typings say jobs, but its clean script returns the removed jobs' ids.
  const removed: unknown[] = await queue.clean(graceMs, state, limit > 0 ? limit : undefined);
  return removed.map(String);
}
