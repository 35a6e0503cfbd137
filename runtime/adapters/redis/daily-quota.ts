// Per-key daily quotas that hold across every process sharing a Redis: at most `max` uses of a
// key (e.g. a WhatsApp connection's sends) per calendar day in a time zone. A use is taken
// before the thing it counts happens; a refused one takes nothing.
import type { Redis } from "./connection";
import { LuaScript } from "./lua-script";

export interface DailyQuotaOptions {
  /** Key prefix shared by every process that must count together, e.g. "cf:". */
  readonly prefix: string;
  /** Keeps this quota's keys apart from others under the same prefix, e.g. "whatsapp-send". */
  readonly name: string;
}

/** What taking a use gave. */
export interface QuotaUse {
  /** Whether the use was taken (false: the day's quota was spent, nothing was counted). */
  readonly taken: boolean;
  /** Uses of the day so far, this one included when taken. */
  readonly used: number;
  /** The day counted, YYYY-MM-DD in the quota's time zone. */
  readonly day: string;
}

// KEYS[1]: the key's counter for the day. ARGV: the quota, the counter's lifetime in ms.
// Replies { taken (1/0), uses of the day }.
const TAKE = new LuaScript(
  `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then return { 0, used } end
used = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return { 1, used }
`,
  1,
);

// KEYS[1]: the key's counter for the day. Never below 0, never re-created once expired.
const GIVE_BACK = new LuaScript(
  `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then return redis.call('DECR', KEYS[1]) end
return 0
`,
  1,
);

/** A day's counter outlives the day in every time zone, then goes. */
const COUNTER_TTL_MS = 50 * 3_600_000;

export class DailyQuota {
  private readonly days = new Map<string, Intl.DateTimeFormat>();

  constructor(
    private readonly redis: Redis,
    private readonly options: DailyQuotaOptions,
  ) {}

  /** Takes one use of `key`'s quota of `max` for the day `now` falls on in `tz`. */
  async take(key: string | number, max: number, tz: string, now = new Date()): Promise<QuotaUse> {
    const day = this.dayOf(now, tz);
    const reply = await TAKE.run(this.redis, [this.keyFor(key, day)], [max, COUNTER_TTL_MS]);
    const [taken, used] = reply as [number, number];
    return { taken: taken === 1, used, day };
  }

  /** Gives back a use taken on `day` (the thing it counted did not happen). */
  async giveBack(key: string | number, day: string): Promise<void> {
    await GIVE_BACK.run(this.redis, [this.keyFor(key, day)], []);
  }

  /** Uses of `key` on `day` (YYYY-MM-DD) so far. */
  async used(key: string | number, day: string): Promise<number> {
    return Number((await this.redis.get(this.keyFor(key, day))) ?? 0);
  }

  /** The Redis key counting `key`'s uses on `day`. */
  keyFor(key: string | number, day: string): string {
    return `${this.options.prefix}quota:${this.options.name}:${key}:${day}`;
  }

  /** YYYY-MM-DD of `at` in `tz` (en-CA formats dates that way). */
  dayOf(at: Date, tz: string): string {
    let format = this.days.get(tz);
    if (format === undefined) {
      format = new Intl.DateTimeFormat("en-CA", {
        timeZone: tz,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
      });
      this.days.set(tz, format);
    }
    return format.format(at);
  }
}
