// createRedis and LuaScript against a real Redis.
import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createRedis,
  DEFAULT_REDIS_URL,
  LuaScript,
  onRedisEnded,
  type Redis,
  redisUrlFromEnv,
} from "../../../runtime/adapters/redis";
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

/** Kills, in Redis, the connection named `name` (as a Redis restart or an operator would). */
async function killConnection(admin: Redis, name: string): Promise<void> {
  const list = (await admin.client("LIST")) as string;
  const id = list
    .split("\n")
    .find((line) => line.includes(` name=${name} `))
    ?.match(/^id=(\d+) /)?.[1];
  if (id === undefined) throw new Error(`no connection named ${name}`);
  await admin.client("KILL", "ID", id);
}

describe("onRedisEnded", () => {
  it("reports a client that ends for good, not one closed on purpose nor one that reconnects", async () => {
    const ended: string[] = [];
    const off = onRedisEnded((name) => ended.push(name));
    const named = (role: string) => createRedis(t.url, { connectionName: `${t.prefix}${role}` });
    const blip = named("blip");
    try {
      const quitting = named("quit");
      await quitting.ping();
      await quitting.quit();
      const dropped = named("disconnect");
      await dropped.ping();
      const droppedEnd = new Promise((resolve) => dropped.once("end", resolve));
      dropped.disconnect();
      await droppedEnd;

      // A lost connection: the client reconnects, nothing to report.
      await blip.ping();
      const back = new Promise((resolve) => blip.once("ready", resolve));
      await killConnection(t.redis, `${t.prefix}blip`);
      await back;
      expect(await blip.ping()).toBe("PONG");

      // A lost connection ioredis does not reconnect: the client ends for good.
      const gone = named("gone");
      await gone.ping();
      gone.options.retryStrategy = () => null;
      await killConnection(t.redis, `${t.prefix}gone`);
      for (let n = 0; ended.length === 0; n++) {
        if (n > 200) throw new Error("the ended client was not reported");
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(gone.status).toBe("end");
      expect(ended).toEqual([`${t.prefix}gone`]);
    } finally {
      off();
      await blip.quit();
    }
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
