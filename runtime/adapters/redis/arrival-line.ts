// ArrivalLine (services/ports/arrivals.ts) in Redis: a line is a sorted set of places scored by
// when each expires. Joining prunes the expired places, reads everyone still there (all of them
// joined earlier) and adds the new place, in one script, so two joins are always ordered.
import { randomUUID } from "node:crypto";
import type { ArrivalLine, Place } from "../../services/ports/arrivals";
import type { Redis } from "./connection";
import { LuaScript } from "./lua-script";

// KEYS[1]: the line. ARGV: the new place, its TTL in ms. Redis's clock, shared by every process.
const JOIN = new LuaScript(
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local ahead = redis.call('ZRANGE', KEYS[1], 0, -1)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
-- The line lasts as long as its last place (places may have TTLs of their own).
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return ahead
`,
  1,
);

/** A place is stored as "<token> <member>": the token keeps two places of one member apart. */
const SEPARATOR = " ";

export class RedisArrivalLine implements ArrivalLine {
  /** `prefix` keeps these lines apart from other keys, e.g. "cf:chatia:". */
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async join(line: string, member: string, ttlMs: number): Promise<Place> {
    const key = `${this.prefix}line:${line}`;
    const place = `${randomUUID()}${SEPARATOR}${member}`;
    const ahead = (await JOIN.run(this.redis, [key], [place, Math.max(1, Math.ceil(ttlMs))])) as
      | string[]
      | null;
    let left = false;
    const { redis } = this;
    return {
      ahead: (ahead ?? []).map((p) => p.slice(p.indexOf(SEPARATOR) + 1)),
      async leave() {
        if (left) return;
        left = true;
        await redis.zrem(key, place);
      },
    };
  }
}
