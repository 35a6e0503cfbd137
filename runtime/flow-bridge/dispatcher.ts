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
  readonly timer: NodeJS.Timeout;
}

/** How long a job waits for its flow's `job in` to appear (deploys restart flows). */
const ENTRY_WAIT_MS = 10_000;

export class Dispatcher {
  private readonly entries = new Map<string, FlowEntry>();
  private readonly waiting = new Map<string, Set<() => void>>();
  private readonly active = new Map<string, ActiveRun>();

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
  async dispatch(job: DispatchJob, options: DispatchOptions): Promise<unknown> {
    const info: JobInfo = {
      id: String(job.id),
      queue: options.queue,
      name: job.name,
      attempt: job.attemptsMade + 1,
      timestamp: job.timestamp,
    };
    const entry =
      this.entries.get(jobKey(info.queue, info.name)) ?? (await this.waitForEntry(info));
    return new Promise((resolve, reject) => {
      const runKey = activeKey(info.queue, info.id);
      const timer = setTimeout(() => {
        const run = this.active.get(runKey);
        if (run)
          this.finish(
            runKey,
            run,
            new ChatiaError(
              "CF_JOB_TIMEOUT",
              `job ${info.queue}/${info.name} ${info.id} was not settled by its flow within ${options.timeoutMs} ms`,
            ),
          );
      }, options.timeoutMs);
      this.active.set(runKey, { info, entry, resolve, reject, timer });
      entry.inject({ payload: job.data, job: info });
    });
  }

  /** Completes the run `msg.job` belongs to with `result`. False when it is no longer active. */
  complete(job: JobInfo, result: unknown): boolean {
    const runKey = activeKey(job.queue, job.id);
    const run = this.current(runKey, job);
    if (!run) return false;
    this.active.delete(runKey);
    clearTimeout(run.timer);
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
    clearTimeout(run.timer);
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
