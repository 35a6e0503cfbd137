// Which process owns WhatsApp connection N: a lease in Redis per connection,
// `<prefix>wa:owner:<id>` = the owner's id, set with NX and a time to live that the owner keeps
// renewing. A process that dies stops renewing; once the lease expires another process claims the
// connection. Only the owner opens the connection's socket.
import type { Redis } from "../redis/connection";
import { LuaScript } from "../redis/lua-script";

export interface ConnectionLeasesOptions {
  /** Key prefix, e.g. `bull:chatia:`. */
  readonly prefix: string;
  /** This process's owner id (unique per process). */
  readonly ownerId: string;
  /** How long a lease lives without renewal, ms. */
  readonly leaseMs: number;
}

// KEYS[1] lease; ARGV owner, ttl. Takes a free lease or extends our own; 1 when ours afterwards.
const CLAIM = new LuaScript(
  `
local current = redis.call('GET', KEYS[1])
if current == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`,
  1,
);

// KEYS[1] lease; ARGV owner. Deletes the lease only if it is ours.
const RELEASE = new LuaScript(
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
  1,
);

export class ConnectionLeases {
  constructor(
    private readonly redis: Redis,
    private readonly options: ConnectionLeasesOptions,
  ) {}

  get ownerId(): string {
    return this.options.ownerId;
  }

  key(connectionId: number): string {
    return `${this.options.prefix}wa:owner:${connectionId}`;
  }

  /** Claims a free lease or renews ours; false when another process holds it. */
  async claim(connectionId: number): Promise<boolean> {
    const { ownerId, leaseMs } = this.options;
    return (await CLAIM.run(this.redis, [this.key(connectionId)], [ownerId, leaseMs])) === 1;
  }

  /** Renews our leases; returns the ids whose lease we no longer hold. */
  async renew(connectionIds: readonly number[]): Promise<number[]> {
    const held = await Promise.all(connectionIds.map((id) => this.claim(id)));
    return connectionIds.filter((_, i) => !held[i]);
  }

  async release(connectionId: number): Promise<void> {
    await RELEASE.run(this.redis, [this.key(connectionId)], [this.options.ownerId]);
  }

  /** The owner id holding connection N's lease, or null when none does. */
  async owner(connectionId: number): Promise<string | null> {
    return this.redis.get(this.key(connectionId));
  }
}
