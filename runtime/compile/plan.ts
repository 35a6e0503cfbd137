// The Plan: what a manifest means for Bull, computed once by compile() and applied by the runtime.
// Shapes follow Bull 4's options so the queue adapter passes them through unchanged.
import type { KeepJobs } from "../manifest";

/** Bull's job options as chatia-flow sets them (Bull's own `timeout` is not used: see JobPlan.timeoutMs). */
export interface BullJobOptions {
  readonly attempts: number;
  readonly backoff?: BullBackoff;
  readonly priority?: number;
  readonly delay: number;
  readonly removeOnComplete: KeepJobs;
  readonly removeOnFail: KeepJobs;
}

/** A built-in Bull strategy, or ours when a cap or jitter is wanted (see backoff.ts). */
export type BullBackoff =
  | { readonly type: "fixed" | "exponential"; readonly delay: number }
  | { readonly type: typeof BACKOFF_STRATEGY; readonly options: BackoffOptions };

export const BACKOFF_STRATEGY = "chatia";

export interface BackoffOptions {
  readonly type: "fixed" | "exponential";
  readonly delayMs: number;
  /** @defaultValue no cap */
  readonly maxDelayMs?: number;
  /** Fraction 0–1 of each wait that is randomised. @defaultValue 0 */
  readonly jitter: number;
}

export interface RateLimitPlan {
  readonly max: number;
  readonly durationMs: number;
  /** Job-data path whose values get separate budgets; absent for one queue-wide budget. */
  readonly per?: string;
  readonly jitterMs: number;
  /**
   * What is paced: job starts, or — for a budget per WhatsApp connection (`per` ending in
   * `whatsappId`) — each WhatsApp send through that connection, at the moment it is sent.
   */
  readonly paces: "starts" | "sends";
  /** For paced sends: at most `max` per connection per calendar day in `tz`. */
  readonly dailyCap?: { readonly max: number; readonly tz: string };
}

export interface BullQueueSettings {
  readonly lockDuration: number;
  readonly stalledInterval: number;
  readonly maxStalledCount: number;
}

export interface JobPlan {
  readonly queue: string;
  readonly name: string;
  /** "Queue/Job", unique in a plan. */
  readonly key: string;
  readonly description?: string;
  readonly flow: string;
  readonly enabled: boolean;
  /**
   * Set on an enabled job whose flow does not exist yet ("declared, not handled", see
   * declareNotHandled): no processor or cron trigger for it, and enqueueing it is refused.
   */
  readonly notHandled?: true;
  /**
   * Set (with notHandled) on an enabled job whose flow exists but has problems the editor can mend
   * (it does not load, has no `job out`, another flow's `job in` takes the job…), or on every job
   * when a flow uses a node type Node-RED does not have (it then starts no flow): each problem,
   * as `validate` prints it. The runtime started anyway, without running the job, so that the
   * operator can mend the flow in the editor; a deploy that mends it makes the job run.
   */
  readonly flowProblems?: readonly string[];
  /** Absolute path of the payload schema, when the job has one. */
  readonly payloadSchema?: string;
  /** The dispatcher fails a run that has not settled after this long. */
  readonly timeoutMs: number;
  /** Options for every job of this name, whoever enqueues it. */
  readonly options: BullJobOptions;
  /** Cron trigger, reconciled as a Bull repeatable job. */
  readonly repeat?: { readonly cron: string; readonly tz: string };
  /** Data of each cron-triggered run. */
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface QueuePlan {
  readonly name: string;
  readonly description?: string;
  /** Jobs of this queue, of any name, one worker process runs at once. */
  readonly concurrency: number;
  readonly rateLimit?: RateLimitPlan;
  /** Bull's own limiter: set only for a queue-wide limit without jitter. */
  readonly bullLimiter?: { readonly max: number; readonly duration: number };
  readonly settings: BullQueueSettings;
  readonly jobs: readonly JobPlan[];
}

export interface Plan {
  /** The manifest file it was compiled from. */
  readonly source: string;
  readonly queues: readonly QueuePlan[];
}
