// The simulated WhatsApp driver against a real Redis: one world shared by every instance on the
// same prefix, whatever connection (or process) each uses.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Redis } from "../../../runtime/adapters/redis";
import {
  SimulatedWhatsApp,
  type SimulatedWhatsAppOptions,
} from "../../../runtime/adapters/whatsapp";
import type { ChatiaError } from "../../../runtime/errors";
import { createTestRedis, keysUnder, type TestRedis } from "../../helpers/redis";

const ANA = "5511999990001@s.whatsapp.net";
const BIA = "5511999990002@s.whatsapp.net";

let t: TestRedis;
beforeEach(() => {
  t = createTestRedis();
});
afterEach(async () => {
  await t.cleanup();
});

const driverOn = (redis: Redis = t.redis, options: Partial<SimulatedWhatsAppOptions> = {}) =>
  new SimulatedWhatsApp(redis, { prefix: t.prefix, ...options });

/** The rejection of `promise`, which must reject. */
async function failure(promise: Promise<unknown>): Promise<ChatiaError> {
  return promise.then(
    () => expect.unreachable("expected a rejection"),
    (err: unknown) => err as ChatiaError,
  );
}

describe("SimulatedWhatsApp sends", () => {
  it("records each send and reads them back, all or by connection", async () => {
    const wa = driverOn(t.redis, { clock: () => 1_700_000_000_000 });
    const first = await wa.send(1, { jid: ANA, text: "Olá" });
    const media = { path: "/srv/menu.pdf", mimetype: "application/pdf", caption: "Menu" };
    const second = await wa.send(2, { jid: BIA, media });
    expect(first).toEqual({
      id: expect.stringMatching(/^SIM\d+$/),
      jid: ANA,
      timestamp: 1_700_000_000_000,
    });
    expect(second.id).not.toBe(first.id);
    expect(await driverOn(t.connect()).sends()).toEqual([
      {
        id: first.id,
        connectionId: 1,
        jid: ANA,
        text: "Olá",
        startedAt: 1_700_000_000_000,
        timestamp: 1_700_000_000_000,
        pid: process.pid,
      },
      {
        id: second.id,
        connectionId: 2,
        jid: BIA,
        media,
        startedAt: 1_700_000_000_000,
        timestamp: 1_700_000_000_000,
        pid: process.pid,
      },
    ]);
    expect((await wa.sends({ connectionId: 2 })).map((s) => s.id)).toEqual([second.id]);
    expect((await wa.sends({ jid: ANA })).map((s) => s.id)).toEqual([first.id]);
  });

  it("gives unique ids to sends made at once from two connections", async () => {
    const [a, b] = [driverOn(t.connect()), driverOn(t.connect())];
    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).send(1, { jid: ANA, text: `m${i}` })),
    );
    expect(new Set(sent.map((m) => m.id)).size).toBe(20);
    expect(await a.sends()).toHaveLength(20);
  });

  it("rejects a bad recipient or an empty message and records nothing", async () => {
    const wa = driverOn();
    const bad = await failure(wa.send(1, { jid: "5511999990001@c.us", text: "hi" }));
    expect(bad).toMatchObject({ code: "CF_WA_BAD_RECIPIENT", kind: "user" });
    const empty = await failure(wa.send(1, { jid: ANA, text: "" }));
    expect(empty).toMatchObject({ code: "CF_WA_BAD_MESSAGE", kind: "user" });
    expect(await wa.sends()).toEqual([]);
  });
});

describe("SimulatedWhatsApp behaviour", () => {
  it("treats a connection with no behaviour set as CONNECTED", async () => {
    expect(await driverOn().status(42)).toBe("CONNECTED");
  });

  it("refuses sends on a DISCONNECTED (or OPENING) connection with an operational error", async () => {
    const [steer, wa] = [driverOn(t.connect()), driverOn(t.connect())];
    await steer.setBehaviour(3, { status: "DISCONNECTED" });
    await steer.setBehaviour(4, { status: "OPENING" });
    expect(await wa.status(3)).toBe("DISCONNECTED");
    const down = await failure(wa.send(3, { jid: ANA, text: "hi" }));
    expect(down).toMatchObject({ code: "CF_WA_DISCONNECTED", kind: "operational" });
    expect(await failure(wa.send(4, { jid: ANA, text: "hi" }))).toMatchObject({
      code: "CF_WA_DISCONNECTED",
    });
    await wa.send(5, { jid: ANA, text: "other connection" });
    expect((await wa.sends()).map((s) => s.connectionId)).toEqual([5]);
  });

  it("fails exactly failNext sends in total across two instances on separate connections", async () => {
    const [steer, a, b] = [driverOn(t.connect()), driverOn(t.connect()), driverOn(t.connect())];
    await steer.setBehaviour(1, { failNext: 3 });
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).send(1, { jid: ANA, text: `m${i}` })),
    );
    const rejected = results.filter((r) => r.status === "rejected");
    expect(rejected).toHaveLength(3);
    for (const r of rejected) {
      expect(r.reason).toMatchObject({ code: "CF_WA_SEND_FAILED", kind: "operational" });
    }
    expect(await steer.sends()).toHaveLength(9);
    expect((await steer.behaviour(1)).failNext).toBe(0);
  });

  it("fails with the code given in failWith", async () => {
    const wa = driverOn();
    await wa.setBehaviour(1, { failNext: 1, failWith: "CF_WA_BAD_RECIPIENT" });
    expect(await failure(wa.send(1, { jid: ANA, text: "x" }))).toMatchObject({
      code: "CF_WA_BAD_RECIPIENT",
      kind: "user",
    });
    await wa.send(1, { jid: ANA, text: "y" });
  });

  it("makes each send take latencyMs, set from another instance", async () => {
    const [steer, wa] = [driverOn(t.connect()), driverOn(t.connect())];
    await steer.setBehaviour(1, { latencyMs: 120 });
    const started = performance.now();
    await Promise.all([wa.send(1, { jid: ANA, text: "a" }), wa.send(1, { jid: BIA, text: "b" })]);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(115);
    expect(elapsed).toBeLessThan(120 * 2); // sends on one connection are not serialized by the driver
    for (const s of await steer.sends())
      expect(s.timestamp - s.startedAt).toBeGreaterThanOrEqual(115);
  });

  it("times out a send slower than sendTimeoutMs and records nothing", async () => {
    const wa = driverOn(t.redis, { sendTimeoutMs: 40 });
    await wa.setBehaviour(1, { latencyMs: 5_000 });
    const started = performance.now();
    expect(await failure(wa.send(1, { jid: ANA, text: "slow" }))).toMatchObject({
      code: "CF_WA_TIMEOUT",
      kind: "operational",
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await wa.sends()).toEqual([]);
  });

  it("rejects a nonsensical behaviour", async () => {
    const wa = driverOn();
    await expect(wa.setBehaviour(1, { failNext: -1 })).rejects.toThrow(TypeError);
    await expect(wa.setBehaviour(1, { status: "ONLINE" as "CONNECTED" })).rejects.toThrow(
      TypeError,
    );
    await expect(wa.setBehaviour(0, {})).rejects.toThrow(TypeError);
  });
});

describe("SimulatedWhatsApp reset and close", () => {
  it("reset clears sends and behaviours; ids keep counting", async () => {
    const wa = driverOn();
    const before = await wa.send(1, { jid: ANA, text: "a" });
    await wa.setBehaviour(1, { status: "DISCONNECTED" });
    await wa.setBehaviour(2, { latencyMs: 10, failNext: 5 });
    await driverOn(t.connect()).reset();
    expect(await wa.sends()).toEqual([]);
    expect(await wa.behaviour(2)).toEqual({
      status: "CONNECTED",
      failNext: 0,
      failWith: "CF_WA_SEND_FAILED",
      latencyMs: 0,
    });
    const after = await wa.send(1, { jid: ANA, text: "b" });
    expect(Number(after.id.slice(3))).toBeGreaterThan(Number(before.id.slice(3)));
    expect(await keysUnder(t.redis, t.prefix)).toEqual([
      `${t.prefix}sim:sends`,
      `${t.prefix}sim:seq`,
    ]);
  });

  it("refuses sends after close, leaving the world and the connection open", async () => {
    const wa = driverOn();
    await wa.close();
    expect(await failure(wa.send(1, { jid: ANA, text: "a" }))).toMatchObject({
      code: "CF_WA_DISCONNECTED",
    });
    expect(await wa.status(1)).toBe("CONNECTED");
  });
});
