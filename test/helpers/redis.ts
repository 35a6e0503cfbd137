// createTestRedis: a random key prefix per test (`cf-test-<random>:`) and the connections that
// use it; cleanup() deletes every key under the prefix and closes the connections, so tests run
// in parallel and in any order against one Redis.
import { randomBytes } from "node:crypto";
import { createRedis, type Redis, redisUrlFromEnv } from "../../runtime/adapters/redis/connection";

export interface TestRedis {
  /** `cf-test-<random>:`, unique to this test. */
  readonly prefix: string;
  readonly url: string;
  /** A connection opened with the prefix; more come from connect(). */
  readonly redis: Redis;
  /** Another connection (as another process would hold), closed by cleanup(). */
  connect(): Redis;
  /** Deletes the keys under the prefix and closes every connection. Safe to call twice. */
  cleanup(): Promise<void>;
}

export function createTestRedis(): TestRedis {
  const prefix = `cf-test-${randomBytes(6).toString("hex")}:`;
  const url = redisUrlFromEnv();
  const clients: Redis[] = [];
  const connect = () => {
    const client = createRedis(url, { connectionName: `chatia-flow-test:${prefix}` });
    clients.push(client);
    return client;
  };
  const redis = connect();
  return {
    prefix,
    url,
    redis,
    connect,
    async cleanup() {
      if (redis.status !== "end") await deleteKeys(redis, `${prefix}*`);
      await Promise.all(clients.splice(0).map((client) => client.quit().catch(() => undefined)));
    },
  };
}

/** Keys under `prefix`, for assertions. */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  return scanAll(redis, `${prefix}*`);
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  const keys = await scanAll(redis, pattern);
  if (keys.length > 0) await redis.del(...keys);
}

async function scanAll(redis: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== "0");
  return found.sort();
}
