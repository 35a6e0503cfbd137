// The typed shape of a validated jobs.yaml. It mirrors schemas/jobs.schema.json, which is the
// contract: test/unit/manifest/manifest-types.test.ts checks that these types and the ones generated
// from the schema (jobs-schema.generated.ts, `npm run gen:types`) are assignable both ways.

/** Which finished jobs Redis keeps (Bull's `removeOnComplete` / `removeOnFail`). */
export type KeepJobs = boolean | number | { readonly age?: number; readonly count?: number };

export interface Backoff {
  /** fixed: always `delay`; exponential: `delay` × (2^retry − 1). */
  readonly type: "fixed" | "exponential";
  /** Base wait, milliseconds. */
  readonly delay: number;
  /** Upper bound for one wait, milliseconds. @defaultValue no bound */
  readonly maxDelay?: number;
  /** Randomised fraction of each wait, 0–1. @defaultValue 0 */
  readonly jitter?: number;
}

/** Options a job inherits from the top-level and queue `defaults`. */
export interface JobOptions {
  /** Runs before the job fails for good. @defaultValue 1 */
  readonly attempts?: number;
  readonly backoff?: Backoff;
  /** 1 is the highest. @defaultValue none */
  readonly priority?: number;
  /** Milliseconds an enqueued job waits before it may run. @defaultValue 0 */
  readonly delay?: number;
  /** Milliseconds the flow has to settle the job. @defaultValue 300000 */
  readonly timeout?: number;
  /** @defaultValue `{ age: 3600, count: 1000 }` */
  readonly removeOnComplete?: KeepJobs;
  /** @defaultValue `{ age: 86400, count: 5000 }` */
  readonly removeOnFail?: KeepJobs;
}

export interface JobSpec extends JobOptions {
  readonly description?: string;
  /** Flow id: `flows/<flow>.json`. */
  readonly flow: string;
  /** @defaultValue true */
  readonly enabled?: boolean;
  /** Payload schema path, relative to the manifest file. */
  readonly payload?: string;
  /** 5- or 6-field cron expression. */
  readonly cron?: string;
  /** IANA time zone of `cron`. @defaultValue "UTC" */
  readonly tz?: string;
  /** Data of every cron-triggered run. */
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface Limiter {
  /** Jobs per window. */
  readonly max: number;
  /** Window length, milliseconds. */
  readonly duration: number;
  /** Job-data path whose values get separate budgets (e.g. `whatsappId`). */
  readonly per?: string;
  /** Random extra wait per rate-limited start, milliseconds. @defaultValue 0 */
  readonly jitter?: number;
  /** With `per: whatsappId`: most sends per connection per calendar day. @defaultValue none */
  readonly dailyCap?: number;
  /** IANA zone of `dailyCap`'s days. @defaultValue "UTC" */
  readonly dailyCapTz?: string;
}

export interface QueueSettings {
  /** @defaultValue 30000 */
  readonly lockDuration?: number;
  /** @defaultValue 30000 */
  readonly stalledInterval?: number;
  /** @defaultValue 1 */
  readonly maxStalledCount?: number;
}

export interface QueueSpec {
  readonly description?: string;
  /** Jobs of this queue one worker process runs at once. @defaultValue 1 */
  readonly concurrency?: number;
  readonly limiter?: Limiter;
  readonly settings?: QueueSettings;
  readonly defaults?: JobOptions;
  readonly jobs: Readonly<Record<string, JobSpec>>;
}

/** The manifest as written, after interpolation and validation, deep-frozen. */
export interface ManifestDocument {
  readonly version: 1;
  readonly description?: string;
  readonly defaults?: JobOptions;
  readonly queues: Readonly<Record<string, QueueSpec>>;
}

export interface Manifest extends ManifestDocument {
  /** Where it was read from: absolute path of the file and of its folder. */
  readonly source: { readonly file: string; readonly dir: string };
}
