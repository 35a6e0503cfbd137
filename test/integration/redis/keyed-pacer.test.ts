// KeyedPacer against a real Redis. Properties are checked on the reserved slot times (the Redis
// server's clock, shared by every process) rather than on wall-clock sleeps, so long durations
// cost nothing; only the acquire() test really waits.
import { fork } from "node:child_process";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyedPacer, type PaceRule, type Reservation } from "../../../runtime/adapters/redis";
import { ChatiaError } from "../../../runtime/errors";
import { createTestRedis, keysUnder, type TestRedis } from "../../helpers/redis";
import type { ChildMessage } from "./pacer-child";

let t: TestRedis;
beforeEach(() => {
  t = createTestRedis();
});
afterEach(async () => {
  await t.cleanup();
});

const pacerOn = (redis = t.redis, name = "wa-send") =>
  new KeyedPacer(redis, { prefix: t.prefix, name });

/** `count` reservations for `key` issued at once, in the order Redis answered them. */
function reserveMany(pacer: KeyedPacer, key: string, rule: PaceRule, count: number) {
  return Promise.all(Array.from({ length: count }, () => pacer.reservation(key, rule)));
}

function slotsOf(reservations: readonly Reservation[]): number[] {
  return reservations.map((r) => r.slotMs).sort((a, b) => a - b);
}

function gaps(sortedSlots: readonly number[]): number[] {
  return sortedSlots.slice(1).map((slot, i) => slot - (sortedSlots[i] as number));
}

describe("KeyedPacer, max 1 per 3000 ms", () => {
  const rule = { max: 1, durationMs: 3000 };

  it("spaces one key's starts >= 3000 ms apart across two connections reserving at once", async () => {
    const [a, b] = [pacerOn(t.connect()), pacerOn(t.connect())];
    const both = await Promise.all([reserveMany(a, "7", rule, 10), reserveMany(b, "7", rule, 10)]);
    const slots = slotsOf(both.flat());
    expect(slots).toHaveLength(20);
    expect(Math.min(...gaps(slots))).toBeGreaterThanOrEqual(3000);
    expect(Math.max(...gaps(slots))).toBeLessThan(3000 + 50);
    expect(Math.min(...both.flat().map((r) => r.waitMs))).toBe(0);
  });

  it("holds against a second Node process reserving on the same prefix", async () => {
    const child = await startChild({ key: "7", rule, count: 8 });
    const [theirs, ours] = await Promise.all([child.go(), reserveMany(pacerOn(), "7", rule, 8)]);
    expect(child.pid).not.toBe(process.pid);
    const slots = slotsOf([...theirs, ...ours]);
    expect(slots).toHaveLength(16);
    expect(Math.min(...gaps(slots))).toBeGreaterThanOrEqual(3000);
  });

  it("converts the slot to this process's clock, never early", async () => {
    const pacer = pacerOn();
    const before = Date.now();
    const first = await pacer.reserve("7", rule);
    const second = await pacer.reserve("7", rule);
    expect(first).toBeGreaterThanOrEqual(before);
    expect(first).toBeLessThanOrEqual(Date.now());
    expect(second - first).toBeGreaterThanOrEqual(3000 - 5);
  });
});

describe("KeyedPacer budgets", () => {
  it("gives each key its own budget: 3 keys, 3x the starts in the same time", async () => {
    const rule = { max: 1, durationMs: 300 };
    const pacer = pacerOn();
    const perKey = await Promise.all(
      ["1", "2", "3"].map((key) => reserveMany(pacer, key, rule, 5)),
    );
    for (const reservations of perKey) {
      const slots = slotsOf(reservations);
      expect(Math.min(...gaps(slots))).toBeGreaterThanOrEqual(300);
      expect((slots[4] as number) - (slots[0] as number)).toBeLessThanOrEqual(1200 + 10);
      expect(Math.min(...reservations.map((r) => r.waitMs))).toBe(0);
    }
    // The same 15 starts on one key would need 14 intervals, 4200 ms.
    const all = slotsOf(perKey.flat());
    expect((all[14] as number) - (all[0] as number)).toBeLessThanOrEqual(1200 + 10);
  });

  it("allows a burst of max, then spaces starts at duration / max (max 5 per 1000 ms)", async () => {
    const pacer = pacerOn();
    const rule = { max: 5, durationMs: 1000 };
    const reservations: Reservation[] = [];
    for (let i = 0; i < 8; i++) reservations.push(await pacer.reservation("9", rule));
    expect(reservations.slice(0, 5).map((r) => r.waitMs)).toEqual([0, 0, 0, 0, 0]);
    const first = (reservations[0] as Reservation).slotMs;
    const later = reservations.slice(5).map((r) => r.slotMs - first);
    expect(later).toEqual([200, 400, 600]);
  });

  it("keeps pacers of different names apart", async () => {
    const rule = { max: 1, durationMs: 3000 };
    await pacerOn(t.redis, "a").reservation("1", rule);
    expect((await pacerOn(t.redis, "b").reservation("1", rule)).waitMs).toBe(0);
  });

  it("lets an idle key's state expire", async () => {
    const pacer = pacerOn();
    const { waitMs } = (
      await reserveMany(pacer, "5", { max: 1, durationMs: 200 }, 3)
    )[2] as Reservation;
    const ttl = await t.redis.pttl(pacer.keyFor("5"));
    expect(ttl).toBeGreaterThan(waitMs);
    expect(ttl).toBeLessThanOrEqual(waitMs + 200 + 1000 + 5);
  });
});

describe("KeyedPacer jitter", () => {
  it("adds 0..jitterMs to each slot and pushes later slots back by it", async () => {
    const rule = { max: 1, durationMs: 100, jitterMs: 50 };
    const reservations = await reserveMany(pacerOn(), "3", rule, 20);
    const first = reservations.reduce((a, b) => (a.slotMs <= b.slotMs ? a : b));
    expect(first.waitMs).toBeGreaterThanOrEqual(0);
    expect(first.waitMs).toBeLessThanOrEqual(50 + 1);
    const spacing = gaps(slotsOf(reservations));
    expect(Math.min(...spacing)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...spacing)).toBeLessThanOrEqual(150 + 1);
    expect(new Set(spacing).size).toBeGreaterThan(1);
  });

  it("uses the random source at both ends of its range", async () => {
    const rule = { max: 1, durationMs: 100, jitterMs: 50 };
    const high = new KeyedPacer(t.redis, { prefix: t.prefix, name: "hi", random: () => 0.999999 });
    const low = new KeyedPacer(t.redis, { prefix: t.prefix, name: "lo", random: () => 0 });
    expect(gaps(slotsOf(await reserveMany(high, "1", rule, 4)))).toEqual([150, 150, 150]);
    expect(gaps(slotsOf(await reserveMany(low, "1", rule, 4)))).toEqual([100, 100, 100]);
  });
});

describe("KeyedPacer.acquire", () => {
  it("waits for each reserved slot", async () => {
    const pacer = pacerOn();
    const rule = { max: 1, durationMs: 150 };
    const started = Date.now();
    const woke = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const slot = await pacer.acquire("2", rule);
        return { slot, at: Date.now() };
      }),
    );
    for (const { slot, at } of woke) expect(at).toBeGreaterThanOrEqual(slot);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 150 - 5);
    expect(Date.now() - started).toBeLessThan(3 * 150 + 500);
  });
});

describe("KeyedPacer validation", () => {
  it.each([
    [{ max: 0, durationMs: 1000 }],
    [{ max: 1.5, durationMs: 1000 }],
    [{ max: 1, durationMs: 0 }],
    [{ max: 1, durationMs: Number.NaN }],
    [{ max: 1, durationMs: 1000, jitterMs: -1 }],
  ])("rejects %j with CF_PACE_INVALID and touches nothing", async (rule) => {
    await expect(pacerOn().reservation("1", rule)).rejects.toMatchObject({
      code: "CF_PACE_INVALID",
      kind: "user",
    });
    expect(await keysUnder(t.redis, t.prefix)).toEqual([]);
  });

  it("rejects an empty key", async () => {
    const error = await pacerOn()
      .reservation("", { max: 1, durationMs: 1000 })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ChatiaError);
    expect((error as ChatiaError).code).toBe("CF_PACE_INVALID");
  });
});

/** Forks pacer-child.ts under tsx; resolves once its Redis connection is up. */
async function startChild(job: { key: string; rule: PaceRule; count: number }) {
  const child = fork(path.join(__dirname, "pacer-child.ts"), [], {
    execArgv: ["--import", "tsx"],
    env: {
      ...process.env,
      REDIS_URL: t.url,
      CF_PACER_PREFIX: t.prefix,
      CF_PACER_NAME: "wa-send",
      CF_PACER_KEY: job.key,
      CF_PACER_RULE: JSON.stringify(job.rule),
      CF_PACER_COUNT: String(job.count),
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = () =>
    new Promise<ChildMessage>((resolve, reject) => {
      child.once("message", (message) => resolve(message as ChildMessage));
      child.once("exit", (code) => reject(new Error(`child exited with ${code}`)));
    });
  const ready = await next();
  if (ready.type !== "ready") throw new Error(`child: ${JSON.stringify(ready)}`);
  return {
    pid: ready.pid,
    async go(): Promise<Reservation[]> {
      const done = next();
      child.send("go");
      const message = await done;
      if (message.type !== "done") throw new Error(`child: ${JSON.stringify(message)}`);
      return message.reservations;
    },
  };
}
