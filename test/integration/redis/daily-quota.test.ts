// DailyQuota against a real Redis: a key's uses per calendar day, counted across connections
// (processes) at once, refused uses counting nothing, days following the quota's time zone.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DailyQuota } from "../../../runtime/adapters/redis";
import { createTestRedis, keysUnder, type TestRedis } from "../../helpers/redis";

let t: TestRedis;
beforeEach(() => {
  t = createTestRedis();
});
afterEach(async () => {
  await t.cleanup();
});

const quotaOn = (redis = t.redis) => new DailyQuota(redis, { prefix: t.prefix, name: "wa-send" });

describe("DailyQuota", () => {
  it("takes exactly `max` uses of a key when three connections race for 60", async () => {
    const quotas = [quotaOn(t.connect()), quotaOn(t.connect()), quotaOn(t.connect())];
    const at = new Date("2026-11-28T12:00:00Z");
    const uses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => quotas[i % 3]?.take(7, 20, "UTC", at)),
    );
    expect(uses.filter((u) => u?.taken)).toHaveLength(20);
    // Refused uses counted nothing.
    expect(await quotaOn().used(7, "2026-11-28")).toBe(20);
    // The taken ones saw 1..20, each once.
    const seen = uses.filter((u) => u?.taken).map((u) => u?.used);
    expect(seen.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    // Another key has its own quota.
    expect(await quotaOn().take(8, 20, "UTC", at)).toEqual({
      taken: true,
      used: 1,
      day: "2026-11-28",
    });
  });

  it("gives a use back, never below zero and never into a day that has expired", async () => {
    const quota = quotaOn();
    const at = new Date("2026-11-28T12:00:00Z");
    await quota.take(3, 2, "UTC", at);
    await quota.take(3, 2, "UTC", at);
    expect(await quota.take(3, 2, "UTC", at)).toMatchObject({ taken: false, used: 2 });
    await quota.giveBack(3, "2026-11-28");
    expect(await quota.take(3, 2, "UTC", at)).toMatchObject({ taken: true, used: 2 });
    await quota.giveBack(3, "2026-11-28");
    await quota.giveBack(3, "2026-11-28");
    await quota.giveBack(3, "2026-11-28");
    expect(await quota.used(3, "2026-11-28")).toBe(0);
    await quota.giveBack(3, "2026-11-20");
    expect(await t.redis.exists(quota.keyFor(3, "2026-11-20"))).toBe(0);
  });

  it("starts a new day at midnight in the quota's time zone, and lets old days expire", async () => {
    const quota = quotaOn();
    // 02:30 UTC is still the 27th in São Paulo (UTC-3) and already the 28th in UTC.
    const at = new Date("2026-11-28T02:30:00Z");
    expect(await quota.take(1, 1, "America/Sao_Paulo", at)).toMatchObject({
      taken: true,
      day: "2026-11-27",
    });
    expect(await quota.take(1, 1, "America/Sao_Paulo", at)).toMatchObject({ taken: false });
    expect(await quota.take(2, 1, "UTC", at)).toMatchObject({ taken: true, day: "2026-11-28" });
    const later = new Date("2026-11-28T03:00:00Z");
    expect(await quota.take(1, 1, "America/Sao_Paulo", later)).toMatchObject({
      taken: true,
      day: "2026-11-28",
    });
    const keys = await keysUnder(t.redis, t.prefix);
    expect(keys.sort()).toEqual(
      [
        quota.keyFor(1, "2026-11-27"),
        quota.keyFor(1, "2026-11-28"),
        quota.keyFor(2, "2026-11-28"),
      ].sort(),
    );
    for (const key of keys) {
      const ttl = await t.redis.pttl(key);
      expect(ttl).toBeGreaterThan(48 * 3_600_000);
      expect(ttl).toBeLessThanOrEqual(50 * 3_600_000);
    }
  });
});
