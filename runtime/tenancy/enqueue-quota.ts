// A company's quotas on what it enqueues through the API (a super-admin has none): the size of one
// job's data, its jobs waiting in the queue (waiting, delayed or paused, whoever added them), and
// its enqueues per minute (counted in Redis, so across every api process). A refused enqueue adds
// nothing and does not count. Enqueues under way count as waiting until added, so concurrent ones
// cannot overshoot the jobs waiting; each is counted once, by its job id, so they cannot undershoot
// it either.
import type { ArrivalLine } from "../services/ports/arrivals";
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

/** An enqueue refused, or admitted until release() (called once the job is added, or not). */
export type Admission =
  | { readonly refused: QuotaRefusal; readonly release?: undefined }
  | { readonly refused?: undefined; release(): Promise<void> };

/** How long an enqueue under way counts against the jobs waiting, at most (a process may die). */
const ADDING_TTL_MS = 60_000;

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
    /** Enqueues under way, in every api process. */
    private readonly adding: ArrivalLine,
    private readonly quotas: EnqueueQuotas = DEFAULT_QUOTAS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether `caller` may enqueue `data` as job `jobId` of `queue` now: the refusal, or the
   * admission, whose release() must be called once the job is added (or was not).
   *
   * The company's jobs waiting are counted with its enqueues under way in any process, each once
   * by its job id: an enqueue joins the line of those under way, then reads the jobs waiting, so
   * of any two at once the later sees the earlier, added or not (30 at once with room for 3 used
   * to add 30); and a job already added but not yet released is not counted twice (which used to
   * refuse some of the room).
   */
  async admit(caller: Caller, queue: JobQueue, jobId: string, data: unknown): Promise<Admission> {
    if (caller.super || caller.companyId === undefined) return { release: async () => undefined };
    const { jobBytes, jobsWaiting, perMinute } = this.quotas;
    const bytes = Buffer.byteLength(JSON.stringify(data ?? null));
    if (bytes > jobBytes)
      return {
        refused: {
          status: 413,
          message: `the job's data is ${bytes} bytes; a company's jobs may have at most ${jobBytes}`,
          details: { limit: "jobBytes", max: jobBytes },
        },
      };
    const place = await this.adding.join(
      `quota:adding:${caller.companyId}:${queue.name}`,
      jobId,
      ADDING_TTL_MS,
    );
    const release = () => place.leave();
    try {
      const waiting = await this.owned.visibleIds(caller, queue, ["waiting", "delayed", "paused"]);
      // A job added by an enqueue still under way is in both; an enqueue repeated with its
      // idempotency key adds no job.
      const counted = new Set([...waiting, ...place.ahead, jobId]);
      if (counted.size > jobsWaiting) {
        await release();
        const others = counted.size - new Set([...waiting, jobId]).size;
        const more = others > 0 ? ` (and ${others} more being added)` : "";
        return {
          refused: {
            status: 429,
            message: `your company has ${waiting.length} jobs waiting in ${queue.name}${more}; at most ${jobsWaiting}`,
            details: { limit: "jobsWaiting", max: jobsWaiting },
          },
        };
      }
      const rate = await this.countEnqueue(caller.companyId, perMinute);
      if (rate) {
        await release();
        return { refused: rate };
      }
      return { release };
    } catch (err) {
      await release();
      throw err;
    }
  }

  /** INCR with an expiry (refreshed), so that a process that died mid-way leaks nothing for long. */
  private async increment(key: string, ttlSeconds: number): Promise<number> {
    const [[, count] = [null, 0]] =
      (await this.redis.multi().incr(key).expire(key, ttlSeconds).exec()) ?? [];
    return Number(count);
  }

  /** Counts one enqueue in the company's current minute; refuses past `perMinute`. */
  private async countEnqueue(
    companyId: number,
    perMinute: number,
  ): Promise<QuotaRefusal | undefined> {
    const minute = Math.floor(this.now() / 60_000);
    const key = `${this.keyPrefix}quota:enqueue:${companyId}:${minute}`;
    if ((await this.increment(key, 120)) <= perMinute) return undefined;
    await this.redis.decr(key);
    const retryAfterSeconds = Math.max(1, Math.ceil(((minute + 1) * 60_000 - this.now()) / 1000));
    return {
      status: 429,
      message: `your company has made its ${perMinute} enqueues of this minute`,
      details: { limit: "perMinute", max: perMinute, retryAfterSeconds },
    };
  }
}
