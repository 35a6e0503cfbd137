// Per-key pacing that holds across every process sharing a Redis: at most `max` starts per
// `durationMs` for each key (e.g. each WhatsApp connection), with optional random jitter. Bull's
// own `limiter.groupKey` is unusable for this (see PITFALLS.md), hence a limiter of our own.
import { setTimeout as sleep } from "node:timers/promises";
import { ChatiaError } from "../../errors";
import type { Redis } from "./connection";
import { LuaScript } from "./lua-script";

/** How fast one key may start things. */
export interface PaceRule {
  /** Most starts per `durationMs` in the long run, and the largest burst from idle. */
  readonly max: number;
  /** The window `max` applies to, in ms. */
  readonly durationMs: number;
  /** Up to this many random ms added to each start, delaying the key's later starts too. @defaultValue 0 */
  readonly jitterMs?: number;
}

export interface KeyedPacerOptions {
  /** Key prefix shared by every process that must pace together, e.g. "cf:". */
  readonly prefix: string;
  /** Keeps this pacer's keys apart from other pacers under the same prefix, e.g. "wa-send". */
  readonly name: string;
  /** Source of randomness in [0, 1) for jitter. @defaultValue Math.random */
  readonly random?: () => number;
}

/** A reserved start, on the Redis server's clock (the one clock all processes share). */
export interface Reservation {
  /** When the start may happen, epoch ms on the server's clock. */
  readonly slotMs: number;
  /** The server's clock when the slot was reserved. */
  readonly serverNowMs: number;
  /** `slotMs - serverNowMs` (never negative): how long to wait from the reservation. */
  readonly waitMs: number;
}

// GCRA with reservation. KEYS[1] holds the key's theoretical arrival time (TAT, epoch ms on the
// server's clock). ARGV: emission interval T, burst tolerance T*(max-1), this start's jitter.
// The slot is the earliest time GCRA would admit (never before now); the TAT then advances by
// T plus the jitter, so later slots respect the jitter. Returns { slot (ceil), now } in ms.
const GCRA_RESERVE = new LuaScript(
  `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local jitter = tonumber(ARGV[3])
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or 0), now)
local slot = math.max(now, tat - tolerance) + jitter
local nextTat = tat + interval + jitter
-- Once nextTat has passed, a missing key means the same as the stored one: let idle keys expire.
redis.call('SET', KEYS[1], string.format('%.3f', nextTat), 'PX', math.ceil(nextTat - now) + 1000)
return { math.ceil(slot), now }
`,
  1,
);

export class KeyedPacer {
  private readonly random: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly options: KeyedPacerOptions,
  ) {
    this.random = options.random ?? Math.random;
  }

  /** The Redis key holding `key`'s pacing state. */
  keyFor(key: string | number): string {
    return `${this.options.prefix}pace:${this.options.name}:${key}`;
  }

  /**
   * Reserves the next start for `key` under `rule`, atomically across processes. The slot is
   * spent even if the caller never starts: a reservation cannot be given back.
   */
  async reservation(key: string | number, rule: PaceRule): Promise<Reservation> {
    assertValid(key, rule);
    const interval = rule.durationMs / rule.max;
    const jitter = Math.round(clamp01(this.random()) * (rule.jitterMs ?? 0));
    const reply = await GCRA_RESERVE.run(
      this.redis,
      [this.keyFor(key)],
      [interval, interval * (rule.max - 1), jitter],
    );
    const [slotMs, serverNowMs] = reply as [number, number];
    return { slotMs, serverNowMs, waitMs: Math.max(0, slotMs - serverNowMs) };
  }

  /**
   * Reserves the next start for `key`; resolves to when it may happen as epoch ms on this
   * process's clock (>= now). Converted conservatively: it may be late by the reply's latency,
   * never early.
   */
  async reserve(key: string | number, rule: PaceRule): Promise<number> {
    const { waitMs } = await this.reservation(key, rule);
    return Date.now() + waitMs;
  }

  /** Reserves the next start for `key` and waits for it; resolves to the slot (local epoch ms). */
  async acquire(key: string | number, rule: PaceRule): Promise<number> {
    const slot = await this.reserve(key, rule);
    // Timers may fire a millisecond before Date.now() agrees: wait until it does.
    for (let left = slot - Date.now(); left > 0; left = slot - Date.now()) await sleep(left);
    return slot;
  }
}

function assertValid(key: string | number, rule: PaceRule): void {
  const problems: string[] = [];
  if (String(key) === "") problems.push("the key is empty");
  if (!Number.isInteger(rule.max) || rule.max < 1) problems.push("max must be an integer >= 1");
  if (!(Number.isFinite(rule.durationMs) && rule.durationMs > 0)) {
    problems.push("durationMs must be a number > 0");
  }
  const jitter = rule.jitterMs ?? 0;
  if (!(Number.isFinite(jitter) && jitter >= 0)) problems.push("jitterMs must be a number >= 0");
  if (problems.length > 0) {
    throw new ChatiaError("CF_PACE_INVALID", `invalid pacing: ${problems.join("; ")}`, {
      details: { key, rule },
    });
  }
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
