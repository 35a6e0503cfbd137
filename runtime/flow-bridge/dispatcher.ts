// The bridge between Bull and Node-RED: a Bull processor hands each job to the `job in` node of
// its flow and waits for the flow's verdict. The live Bull job stays here, keyed by queue and job
// id; the message carries plain data only (`msg.job`), since Node-RED clones messages.
import { ChatiaError, type ErrorCode, type ErrorKind } from "../errors";

/** What a flow sees of its job, in `msg.job`. Plain data. */
export interface JobInfo {
  readonly id: string;
  readonly queue: string;
  readonly name: string;
  /** 1 for the first run, 2 for the first retry, … */
  readonly attempt: number;
  /** When the job was created, epoch ms. */
  readonly timestamp: number;
}

/** The message a `job in` node emits. */
export interface JobMessage {
  _msgid: string;
  payload: unknown;
  job: JobInfo;
  [key: string]: unknown;
}

/** A `job in` node, as the dispatcher sees it. */
export interface FlowEntry {
  /** Sends the message into the flow. */
  inject(msg: JobMessage): void;
  /** Node-RED ids of the entry node and its flow (tab), for messages. */
  readonly nodeId: string;
  readonly flowId: string;
}

/** The job the dispatcher runs (the Bull job, reduced to what the bridge needs). */
export interface DispatchJob {
  readonly id: string | number;
  readonly name: string;
  readonly data: unknown;
  readonly attemptsMade: number;
  readonly timestamp: number;
}

export interface DispatchOptions {
  readonly queue: string;
  readonly timeoutMs: number;
}

interface ActiveRun {
  readonly info: JobInfo;
  readonly entry: FlowEntry;
  readonly resolve: (result: unknown) => void;
  readonly reject: (err: Error) => void;
  /** Epoch ms after which the run fails with CF_JOB_TIMEOUT. */
  readonly deadline: number;
  readonly timeoutMs: number;
}

/** How long a job waits for its flow's `job in` to appear (deploys restart flows). */
const ENTRY_WAIT_MS = 10_000;

/** How often run deadlines are checked: a timeout fires up to this late. */
const DEADLINE_CHECK_MS = 100;

export class Dispatcher {
  private readonly entries = new Map<string, FlowEntry>();
  private readonly waiting = new Map<string, Set<() => void>>();
  private readonly active = new Map<string, ActiveRun>();
  private deadlineTimer: NodeJS.Timeout | undefined;

  /** Called by a `job in` node when its flow starts. */
  register(queue: string, name: string, entry: FlowEntry): void {
    const key = jobKey(queue, name);
    this.entries.set(key, entry);
    for (const wake of this.waiting.get(key) ?? []) wake();
    this.waiting.delete(key);
  }

  /**
   * Called by a `job in` node when its flow stops. Jobs still inside the flow can no longer reach
   * a `job out`: they fail at once as operational errors, so that Bull retries them.
   */
  unregister(queue: string, name: string, entry: FlowEntry): void {
    const key = jobKey(queue, name);
    if (this.entries.get(key) === entry) this.entries.delete(key);
    for (const [runKey, run] of this.active) {
      if (run.entry === entry) {
        this.finish(
          runKey,
          run,
          new ChatiaError(
            "CF_FLOW_REDEPLOYED",
            `flow ${entry.flowId} stopped while job ${run.info.queue}/${run.info.id} was in it`,
          ),
        );
      }
    }
  }

  /** The number of jobs inside flows right now. */
  get activeCount(): number {
    return this.active.size;
  }

  hasEntry(queue: string, name: string): boolean {
    return this.entries.has(jobKey(queue, name));
  }

  /** Runs a job through its flow; resolves with the flow's result, rejects with its error. */
  dispatch(job: DispatchJob, options: DispatchOptions): Promise<unknown> {
    const info: JobInfo = {
      id: String(job.id),
      queue: options.queue,
      name: job.name,
      attempt: job.attemptsMade + 1,
      timestamp: job.timestamp,
    };
    const entry = this.entries.get(jobKey(info.queue, info.name));
    if (entry) return this.run(entry, info, job.data, options.timeoutMs);
    return this.waitForEntry(info).then((found) =>
      this.run(found, info, job.data, options.timeoutMs),
    );
  }

  private run(entry: FlowEntry, info: JobInfo, data: unknown, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      this.active.set(activeKey(info.queue, info.id), {
        info,
        entry,
        resolve,
        reject,
        deadline,
        timeoutMs,
      });
      this.watchDeadlines();
      // A readable, unique message id: queue, job id and attempt.
      entry.inject({
        _msgid: `${info.queue}:${info.id}:${info.attempt}`,
        payload: data,
        job: info,
      });
    });
  }

  /**
   * One timer for all runs rather than one per job (this is the hot path): every
   * DEADLINE_CHECK_MS it fails the runs past their deadline; it stops when nothing is active.
   */
  private watchDeadlines(): void {
    if (this.deadlineTimer) return;
    this.deadlineTimer = setInterval(() => {
      const now = Date.now();
      for (const [runKey, run] of this.active) {
        if (run.deadline <= now) {
          const { info } = run;
          this.finish(
            runKey,
            run,
            new ChatiaError(
              "CF_JOB_TIMEOUT",
              `job ${info.queue}/${info.name} ${info.id} was not settled by its flow within ${run.timeoutMs} ms`,
            ),
          );
        }
      }
      if (this.active.size === 0) {
        clearInterval(this.deadlineTimer);
        this.deadlineTimer = undefined;
      }
    }, DEADLINE_CHECK_MS);
    this.deadlineTimer.unref();
  }

  /** Completes the run `msg.job` belongs to with `result`. False when it is no longer active. */
  complete(job: JobInfo, result: unknown): boolean {
    const runKey = activeKey(job.queue, job.id);
    const run = this.current(runKey, job);
    if (!run) return false;
    this.active.delete(runKey);
    run.resolve(result);
    return true;
  }

  /** Fails the run `msg.job` belongs to. False when it is no longer active. */
  fail(job: JobInfo, error: Error): boolean {
    const runKey = activeKey(job.queue, job.id);
    const run = this.current(runKey, job);
    if (!run) return false;
    this.finish(runKey, run, error);
    return true;
  }

  /** Resolves once no job is inside a flow, or after `timeoutMs`; true when all settled. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.active.size > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    return this.active.size === 0;
  }

  private current(runKey: string, job: JobInfo): ActiveRun | undefined {
    const run = this.active.get(runKey);
    // A message of an earlier attempt (still wandering in a flow) must not settle this one.
    return run && run.info.attempt === job.attempt ? run : undefined;
  }

  private finish(runKey: string, run: ActiveRun, error: Error): void {
    this.active.delete(runKey);
    run.reject(error);
  }

  private waitForEntry(info: JobInfo): Promise<FlowEntry> {
    const key = jobKey(info.queue, info.name);
    return new Promise((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        const entry = this.entries.get(key);
        if (entry) resolve(entry);
      };
      const timer = setTimeout(() => {
        this.waiting.get(key)?.delete(wake);
        reject(
          new ChatiaError(
            "CF_FLOW_NOT_RUNNING",
            `no running flow has a "job in" node for ${info.queue}/${info.name}`,
          ),
        );
      }, ENTRY_WAIT_MS);
      const set = this.waiting.get(key) ?? new Set();
      set.add(wake);
      this.waiting.set(key, set);
    });
  }
}

/** An error a node reported, as the job's failure: the node error's own code and kind win. */
export function flowError(cause: unknown, where: string): Error {
  if (
    cause instanceof Error &&
    typeof (cause as { code?: unknown }).code === "string" &&
    isKind((cause as { kind?: unknown }).kind)
  ) {
    return cause;
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return new ChatiaError("CF_FLOW_ERROR", `${where}: ${message}`, { cause });
}

/** An error from its code and message (for `job out` in fail mode and errors that crossed a message). */
export function codedError(code: ErrorCode, message: string): ChatiaError {
  return new ChatiaError(code, message);
}

function isKind(value: unknown): value is ErrorKind {
  return value === "user" || value === "operational" || value === "unexpected";
}

function jobKey(queue: string, name: string): string {
  return `${queue}\u0000${name}`;
}

function activeKey(queue: string, id: string): string {
  return `${queue}\u0000${id}`;
}
