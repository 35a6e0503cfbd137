// createRedis and LuaScript against a real Redis.
import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_REDIS_URL, LuaScript, redisUrlFromEnv } from "../../../runtime/adapters/redis";
import { createTestRedis, type TestRedis } from "../../helpers/redis";

let t: TestRedis;
beforeEach(() => {
  t = createTestRedis();
});
afterEach(async () => {
  await t.cleanup();
});

describe("redisUrlFromEnv", () => {
  it("uses REDIS_URL when set, the local default otherwise", () => {
    expect(redisUrlFromEnv({})).toBe(DEFAULT_REDIS_URL);
    expect(redisUrlFromEnv({ REDIS_URL: "  " })).toBe(DEFAULT_REDIS_URL);
    expect(redisUrlFromEnv({ REDIS_URL: " redis://redis:6379/2 " })).toBe("redis://redis:6379/2");
  });
});

describe("createRedis", () => {
  it("connects at once, names the connection and waits through reconnects", async () => {
    expect(await t.redis.ping()).toBe("PONG");
    expect(await t.redis.client("GETNAME")).toBe(`chatia-flow-test:${t.prefix}`);
    expect(t.redis.options.lazyConnect).toBe(false);
    expect(t.redis.options.maxRetriesPerRequest).toBeNull();
  });
});

describe("LuaScript", () => {
  it("loads a script the server has never seen, then runs it by SHA", async () => {
    // A unique body, so the first EVALSHA meets NOSCRIPT whatever else ran on this server.
    const script = new LuaScript(
      `-- ${randomBytes(8).toString("hex")}\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])`,
      1,
    );
    expect(await t.redis.script("EXISTS", script.sha)).toEqual([0]);
    expect(await script.run(t.redis, [`${t.prefix}n`], [2])).toBe(2);
    expect(await t.redis.script("EXISTS", script.sha)).toEqual([1]);
    expect(await script.run(t.redis, [`${t.prefix}n`], [3])).toBe(5);
  });

  it("refuses a call with the wrong number of keys", async () => {
    const script = new LuaScript("return 1", 1);
    await expect(script.run(t.redis, [], [])).rejects.toThrow(TypeError);
  });
});
