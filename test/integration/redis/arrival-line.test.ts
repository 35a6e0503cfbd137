// RedisArrivalLine against a real Redis: joins from several connections (processes) at once are
// ordered, each seeing exactly those before it; a place left or expired is no longer ahead.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RedisArrivalLine } from "../../../runtime/adapters/redis";
import { createTestRedis, keysUnder, type TestRedis } from "../../helpers/redis";

let t: TestRedis;
beforeEach(() => {
  t = createTestRedis();
});
afterEach(async () => {
  await t.cleanup();
});

const MINUTE = 60_000;

describe("RedisArrivalLine", () => {
  it("orders 30 joins from three connections at once: each sees every earlier one, once", async () => {
    const lines = [t.connect(), t.connect(), t.connect()].map(
      (redis) => new RedisArrivalLine(redis, t.prefix),
    );
    const places = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (lines[i % 3] as RedisArrivalLine).join("quota", `job-${i}`, MINUTE),
      ),
    );
    const byArrival = places.map((p) => [...p.ahead]).sort((a, b) => a.length - b.length);
    expect(byArrival.map((ahead) => ahead.length)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // Each one's line is the one before it, plus that one: a single order every join agrees on.
    byArrival.forEach((ahead, i) => {
      expect(new Set(ahead).size).toBe(i);
      if (i > 0) expect(ahead).toEqual(expect.arrayContaining(byArrival[i - 1] ?? []));
    });
    await Promise.all(places.map((p) => p.leave()));
    expect(await keysUnder(t.redis, t.prefix)).toEqual([]);
  });

  it("no longer counts a place once left; the same member joining twice holds two places", async () => {
    const line = new RedisArrivalLine(t.redis, t.prefix);
    const a = await line.join("q", "a", MINUTE);
    const b1 = await line.join("q", "b", MINUTE);
    const b2 = await line.join("q", "b", MINUTE);
    // A set, in no particular order (joins within one millisecond expire together).
    expect([a.ahead, b1.ahead, [...b2.ahead].sort()]).toEqual([[], ["a"], ["a", "b"]]);
    await a.leave();
    await a.leave();
    await b1.leave();
    const c = await line.join("q", "c", MINUTE);
    expect(c.ahead).toEqual(["b"]);
    // Another line is its own.
    expect((await line.join("other", "d", MINUTE)).ahead).toEqual([]);
  });

  it("keeps the line as long as its longest place, whatever the order they came in", async () => {
    const line = new RedisArrivalLine(t.redis, t.prefix);
    await line.join("q", "long", MINUTE);
    await line.join("q", "short", 2_000);
    const key = `${t.prefix}line:q`;
    expect(await t.redis.pttl(key)).toBeGreaterThan(MINUTE - 10_000);
  });

  it("drops a place never left (its process died) once its time is up", async () => {
    const line = new RedisArrivalLine(t.redis, t.prefix);
    await line.join("q", "dead", 3_000);
    const next = await line.join("q", "alive", MINUTE);
    expect(next.ahead).toEqual(["dead"]);
    await next.leave();
    await vi.waitFor(
      async () => {
        const probe = await line.join("q", "probe", MINUTE);
        await probe.leave();
        expect(probe.ahead).toEqual([]);
      },
      { timeout: 30_000, interval: 250 },
    );
  });
});
