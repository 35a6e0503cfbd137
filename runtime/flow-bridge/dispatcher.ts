// The bridge between Bull and Node-RED: a Bull processor hands each job to the `job in` node of
// its flow and waits for the flow's verdict. The live Bull job stays here, keyed by queue and job
// id; the message carries plain data only (`msg.job`), since Node-RED clones messages.
import { ChatiaError, type ErrorCode } from "../errors";

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

/**
 * Told of every run as it settles, synchronously, before the promise `dispatch` returned settles:
 * with the job and options given to `dispatch`, the run's duration, and its error when it failed.
 * What must happen before Bull sees the outcome (discarding a job that must not be retried) can
 * happen here, and recording outcomes needs no promise reaction of its own per job.
 */
export interface RunObserver<J extends DispatchJob, O extends DispatchOptions> {
  settled(job: J, options: O, ms: number, error: Error | undefined): void;
}

interface ActiveRun<J, O> {
  readonly job: J;
  readonly options: O;
  readonly info: JobInfo;
  readonly entry: FlowEntry;
  readonly resolve: (result: unknown) => void;
  readonly reject: (err: Error) => void;
  /** performance.now() when the run was handed to its flow (or started waiting for it). */
  readonly started: number;
  /** Epoch ms after which the run fails with CF_JOB_TIMEOUT. */
  readonly deadline: number;
}

/** How long a job waits for its flow's `job in` to appear (deploys restart flows). */
const ENTRY_WAIT_MS = 10_000;

/** How often run deadlines are checked: a timeout fires up to this late. */
const DEADLINE_CHECK_MS = 100;

export class Dispatcher<
  J extends DispatchJob = DispatchJob,
  O extends DispatchOptions = DispatchOptions,
> {
  /** Entries by queue, then job name. */
  private readonly entries = new TwoLevelMap<FlowEntry>();
  /** Entries registered while Node-RED is starting flows, by queue, then job name. */
  private readonly starting = new TwoLevelMap<FlowEntry>();
  /** Whether Node-RED is between `flows:starting` and `flows:started`. */
  private flowsStarting = false;
  /** Jobs waiting for their flow's entry to register, by queue, then job name. */
  private readonly waiting = new TwoLevelMap<Set<() => void>>();
  /** Runs by queue, then job id. */
  private readonly active = new TwoLevelMap<ActiveRun<J, O>>();
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(private readonly observer?: RunObserver<J, O>) {}

  /**
   * Called by a `job in` node when its flow starts. While Node-RED is starting flows (between
   * `startingFlows` and `flowsStarted`), the entry is held back: a `job in` node is built before
   * the nodes it is wired to, and Node-RED drops, without a word, a message sent to a node not
   * built yet — a job handed over then would hang until its timeout.
   */
  register(queue: string, name: string, entry: FlowEntry): void {
    if (this.flowsStarting) this.starting.set(queue, name, entry);
    else this.activate(queue, name, entry);
  }

  /** Node-RED begins starting flows (a deploy or the first start): entries wait until it is done. */
  startingFlows(): void {
    this.flowsStarting = true;
  }

  /** Node-RED's flows run: the entries registered meanwhile take jobs, waiting ones first. */
  flowsStarted(): void {
    this.flowsStarting = false;
    for (const [queue, name, entry] of this.starting.entries()) this.activate(queue, name, entry);
    this.starting.clear();
  }

  private activate(queue: string, name: string, entry: FlowEntry): void {
    this.entries.set(queue, name, entry);
    for (const wake of this.waiting.get(queue, name) ?? []) wake();
    this.waiting.delete(queue, name);
  }

  /**
   * Called by a `job in` node when its flow stops. Jobs still inside the flow can no longer reach
   * a `job out`: they fail at once as operational errors, so that Bull retries them.
   */
  unregister(queue: string, name: string, entry: FlowEntry): void {
    if (this.entries.get(queue, name) === entry) this.entries.delete(queue, name);
    if (this.starting.get(queue, name) === entry) this.starting.delete(queue, name);
    for (const run of this.active.values()) {
      if (run.entry === entry) {
        this.settle(
          run,
          new ChatiaError(
            "CF_FLOW_REDEPLOYED",
            `flow ${entry.flowId} stopped while job ${run.info.queue}/${run.info.id} was in it`,
          ),
        );
      }
    }
  }

  /**
   * Called when a "modified nodes" deploy is about to restart nodes of the flows `flowIds` (Tab
   * ids) without restarting their `job in`. Node-RED does not say which node holds a message, and a
   * message inside a restarted node is dropped without a word, so every job in those flows fails
   * at once as CF_FLOW_REDEPLOYED and is retried through the new nodes — rather than waiting for
   * its timeout. A job that was past the restarted nodes runs again: handlers are idempotent (a
   * stalled job is re-run too), and sends are keyed in the send ledger.
   */
  nodesRestarting(flowIds: ReadonlySet<string>): void {
    // Their entries are held back until the flows run again (as on a full start): a retry handed
    // over before the restarted nodes are built would be dropped like the first attempt.
    this.flowsStarting = true;
    for (const [queue, name, entry] of [...this.entries.entries()]) {
      if (!flowIds.has(entry.flowId)) continue;
      this.entries.delete(queue, name);
      this.starting.set(queue, name, entry);
    }
    for (const run of this.active.values()) {
      if (!flowIds.has(run.entry.flowId)) continue;
      this.settle(
        run,
        new ChatiaError(
          "CF_FLOW_REDEPLOYED",
          `nodes of flow ${run.entry.flowId} restarted while job ${run.info.queue}/${run.info.id} was in it`,
        ),
      );
    }
  }

  /** The number of jobs inside flows right now. */
  get activeCount(): number {
    return this.active.size;
  }

  hasEntry(queue: string, name: string): boolean {
    return this.entries.get(queue, name) !== undefined;
  }

  /** Runs a job through its flow; resolves with the flow's result, rejects with its error. */
  dispatch(job: J, options: O): Promise<unknown> {
    const started = performance.now();
    const info: JobInfo = {
      id: String(job.id),
      queue: options.queue,
      name: job.name,
      attempt: job.attemptsMade + 1,
      timestamp: job.timestamp,
    };
    const entry = this.entries.get(info.queue, info.name);
    if (entry) return this.run(job, options, entry, info, started);
    return this.waitForEntry(info).then(
      (found) => this.run(job, options, found, info, started),
      (err: Error) => {
        this.observer?.settled(job, options, performance.now() - started, err);
        throw err;
      },
    );
  }

  private run(job: J, options: O, entry: FlowEntry, info: JobInfo, started: number) {
    return new Promise((resolve, reject) => {
      this.active.set(info.queue, info.id, {
        job,
        options,
        info,
        entry,
        resolve,
        reject,
        started,
        deadline: Date.now() + options.timeoutMs,
      });
      this.watchDeadlines();
      // A readable, unique message id: queue, job id and attempt.
      entry.inject({
        _msgid: `${info.queue}:${info.id}:${info.attempt}`,
        payload: job.data,
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
      for (const run of this.active.values()) {
        if (run.deadline <= now) {
          const { info } = run;
          this.settle(
            run,
            new ChatiaError(
              "CF_JOB_TIMEOUT",
              `job ${info.queue}/${info.name} ${info.id} was not settled by its flow within ${run.options.timeoutMs} ms`,
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
    const run = this.current(job);
    if (!run) return false;
    this.settle(run, undefined, result);
    return true;
  }

  /** Fails the run `msg.job` belongs to. False when it is no longer active. */
  fail(job: JobInfo, error: Error): boolean {
    const run = this.current(job);
    if (!run) return false;
    this.settle(run, error);
    return true;
  }

  /** Resolves once no job is inside a flow, or after `timeoutMs`; true when all settled. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.active.size > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    return this.active.size === 0;
  }

  private current(job: JobInfo): ActiveRun<J, O> | undefined {
    const run = this.active.get(job.queue, job.id);
    // A message of an earlier attempt (still wandering in a flow) must not settle this one.
    return run && run.info.attempt === job.attempt ? run : undefined;
  }

  /** Ends a run: the observer is told first, then its promise settles (even if the observer throws). */
  private settle(run: ActiveRun<J, O>, error: Error | undefined, result?: unknown): void {
    this.active.delete(run.info.queue, run.info.id);
    try {
      this.observer?.settled(run.job, run.options, performance.now() - run.started, error);
    } finally {
      if (error) run.reject(error);
      else run.resolve(result);
    }
  }

  private waitForEntry(info: JobInfo): Promise<FlowEntry> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        const entry = this.entries.get(info.queue, info.name);
        if (entry) resolve(entry);
      };
      const timer = setTimeout(() => {
        this.waiting.get(info.queue, info.name)?.delete(wake);
        reject(
          new ChatiaError(
            "CF_FLOW_NOT_RUNNING",
            `no running flow has a "job in" node for ${info.queue}/${info.name}`,
          ),
        );
      }, ENTRY_WAIT_MS);
      const set = this.waiting.get(info.queue, info.name) ?? new Set();
      set.add(wake);
      this.waiting.set(info.queue, info.name, set);
    });
  }
}

/** An error from its code and message (for `job out` in fail mode and errors that crossed a message). */
export function codedError(code: ErrorCode, message: string): ChatiaError {
  return new ChatiaError(code, message);
}

/**
 * A map keyed by two strings (queue, then job id or name), a map per first key: the hot path looks
 * runs up without building a combined key string for every job. First keys are the plan's queues,
 * a handful, so their inner maps stay once created.
 */
class TwoLevelMap<V> {
  private readonly maps = new Map<string, Map<string, V>>();

  get size(): number {
    let size = 0;
    for (const inner of this.maps.values()) size += inner.size;
    return size;
  }

  get(first: string, second: string): V | undefined {
    return this.maps.get(first)?.get(second);
  }

  set(first: string, second: string, value: V): void {
    let inner = this.maps.get(first);
    if (!inner) {
      inner = new Map();
      this.maps.set(first, inner);
    }
    inner.set(second, value);
  }

  delete(first: string, second: string): void {
    this.maps.get(first)?.delete(second);
  }

  *values(): IterableIterator<V> {
    for (const inner of this.maps.values()) yield* inner.values();
  }

  *entries(): IterableIterator<[string, string, V]> {
    for (const [first, inner] of this.maps)
      for (const [second, value] of inner) yield [first, second, value];
  }

  clear(): void {
    this.maps.clear();
  }
}
