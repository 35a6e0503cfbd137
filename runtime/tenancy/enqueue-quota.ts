// A company's quotas on what it enqueues through the API (a super-admin has none): the size of one
// job's data, its jobs waiting in the queue (waiting, delayed or paused, whoever added them), and
// its enqueues per minute (counted in Redis, so across every api process). A refused enqueue adds
// nothing and does not count.
import type { JobQueue } from "../services/ports/job-queue";
import type { OwnedJobs } from "./owned-jobs";
import type { Caller } from "./ownership";

export interface EnqueueQuotas {
  /** Enqueues per company per minute. @defaultValue 600 */
  readonly perMinute: number;
  /** Bytes of one job's data, as JSON. @defaultValue 65_536 */
  readonly jobBytes: number;
  /** A company's jobs waiting, delayed or paused in one queue. @defaultValue 5_000 */
  readonly jobsWaiting: number;
}

export const DEFAULT_QUOTAS: EnqueueQuotas = {
  perMinute: 600,
  jobBytes: 65_536,
  jobsWaiting: 5_000,
};

export interface QuotaRefusal {
  readonly status: 413 | 429;
  readonly message: string;
  readonly details: {
    readonly limit: "jobBytes" | "jobsWaiting" | "perMinute";
    readonly max: number;
    readonly retryAfterSeconds?: number;
  };
}

/** The Redis commands the per-minute count uses (QueueRuntime's shared client has them). */
export interface QuotaRedis {
  multi(): {
    incr(key: string): {
      expire(key: string, seconds: number): { exec(): Promise<[Error | null, unknown][] | null> };
    };
  };
  decr(key: string): Promise<number>;
}

export class EnqueueQuota {
  constructor(
    private readonly redis: QuotaRedis,
    private readonly keyPrefix: string,
    private readonly owned: OwnedJobs,
    private readonly quotas: EnqueueQuotas = DEFAULT_QUOTAS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Why `caller` may not enqueue `data` into `queue` now, or undefined (then it counts). */
  async refusal(caller: Caller, queue: JobQueue, data: unknown): Promise<QuotaRefusal | undefined> {
    if (caller.super || caller.companyId === undefined) return undefined;
    const { jobBytes, jobsWaiting, perMinute } = this.quotas;
    const bytes = Buffer.byteLength(JSON.stringify(data ?? null));
    if (bytes > jobBytes)
      return {
        status: 413,
        message: `the job's data is ${bytes} bytes; a company's jobs may have at most ${jobBytes}`,
        details: { limit: "jobBytes", max: jobBytes },
      };
    const waiting = await this.owned.visibleIds(caller, queue, ["waiting", "delayed", "paused"]);
    if (waiting.length >= jobsWaiting)
      return {
        status: 429,
        message: `your company has ${waiting.length} jobs waiting in ${queue.name}; at most ${jobsWaiting}`,
        details: { limit: "jobsWaiting", max: jobsWaiting },
      };
    return this.countEnqueue(caller.companyId, perMinute);
  }

  /** Counts one enqueue in the company's current minute; refuses past `perMinute`. */
  private async countEnqueue(
    companyId: number,
    perMinute: number,
  ): Promise<QuotaRefusal | undefined> {
    const minute = Math.floor(this.now() / 60_000);
    const key = `${this.keyPrefix}quota:enqueue:${companyId}:${minute}`;
    const [[, count] = [null, 0]] =
      (await this.redis.multi().incr(key).expire(key, 120).exec()) ?? [];
    if (Number(count) <= perMinute) return undefined;
    await this.redis.decr(key);
    const retryAfterSeconds = Math.max(1, Math.ceil(((minute + 1) * 60_000 - this.now()) / 1000));
    return {
      status: 429,
      message: `your company has made its ${perMinute} enqueues of this minute`,
      details: { limit: "perMinute", max: perMinute, retryAfterSeconds },
    };
  }
}
