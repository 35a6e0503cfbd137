// Per-key leases that hold across every process sharing a Redis: at most one holder of a key at a
// time (e.g. the one process sending a WhatsApp connection's campaign messages). A lease expires
// on its own when its holder dies, so a crash never leaves a key held for longer than its TTL.
import { randomUUID } from "node:crypto";
import type { Redis } from "./connection";
import { LuaScript } from "./lua-script";

export interface KeyedLeaseOptions {
  /** Key prefix shared by every process that must exclude each other, e.g. "cf:chatia:". */
  readonly prefix: string;
  /** Keeps these leases' keys apart from others under the same prefix, e.g. "campaign-sender". */
  readonly name: string;
}

/** A lease taken on a key: renew it while working, release it when done. */
export interface Lease {
  readonly key: string;
  /** Extends the lease by `ttlMs`; false when it was lost (expired and maybe taken by another). */
  renew(ttlMs: number): Promise<boolean>;
  /** Gives the lease up (only if still ours). */
  release(): Promise<void>;
}

// KEYS[1]: the lease. ARGV: the holder's token, the TTL in ms. Changes it only if still ours.
const RENEW = new LuaScript(
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`,
  1,
);
const RELEASE = new LuaScript(
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
  1,
);

export class KeyedLease {
  constructor(
    private readonly redis: Redis,
    private readonly options: KeyedLeaseOptions,
  ) {}

  /** Whether somebody holds the lease of `key` now. */
  async isHeld(key: string | number): Promise<boolean> {
    return (await this.redis.exists(this.keyOf(key))) === 1;
  }

  /** Takes the lease of `key` for `ttlMs` if nobody holds it; null when somebody does. */
  async tryTake(key: string | number, ttlMs: number): Promise<Lease | null> {
    const redisKey = this.keyOf(key);
    const token = randomUUID();
    const taken = await this.redis.set(redisKey, token, "PX", ttlMs, "NX");
    if (taken !== "OK") return null;
    const { redis } = this;
    return {
      key: redisKey,
      async renew(ms) {
        return Number(await RENEW.run(redis, [redisKey], [token, ms])) === 1;
      },
      async release() {
        await RELEASE.run(redis, [redisKey], [token, 0]);
      },
    };
  }

  private keyOf(key: string | number): string {
    return `${this.options.prefix}${this.options.name}:lease:${key}`;
  }
}
