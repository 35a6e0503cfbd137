// Which process owns WhatsApp connection N, against real Postgres and Redis: two drivers (two
// owner ids, their own Redis clients) split the connections, each owned by exactly one; a send made
// in a process that does not own the connection runs on the owner's socket; an owner's death
// (SIGKILL of a worker process) hands its connections over once the lease expires.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { DisconnectReason } from "@whiskeysockets/baileys";
import pino from "pino";
import { QueryTypes } from "sequelize";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db";
import { SequelizeWhatsappConnectionStore } from "../../../runtime/adapters/db/repositories/whatsapp-connection-store";
import { SequelizeWhatsappSessionStore } from "../../../runtime/adapters/db/repositories/whatsapp-session-store";
import {
  BaileysWhatsApp,
  type BaileysWhatsAppOptions,
} from "../../../runtime/adapters/whatsapp/baileys-driver";
import type { ChatiaError } from "../../../runtime/errors";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { createTestRedis, type TestRedis } from "../../helpers/redis";
import { boom, fakeSockets, RecordingEvents, waitUntil } from "./baileys-fakes";

const JID = "5511999990001@s.whatsapp.net";
const OWNER_SCRIPT = path.resolve(__dirname, "../../fixtures/whatsapp/baileys-owner.ts");

let db: TestDatabase;
let t: TestRedis;
let companyId: number;
const drivers: BaileysWhatsApp[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  t = createTestRedis();
  const [company] = await db.sequelize.query<{ id: number }>(
    `INSERT INTO "Companies" (name) VALUES ('Acme') RETURNING id`,
    { type: QueryTypes.SELECT },
  );
  companyId = (company as { id: number }).id;
}, 60_000);

afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  await Promise.all(drivers.splice(0).map((d) => d.close()));
  await db.sequelize.query('UPDATE "Whatsapps" SET "deletedAt" = now() WHERE "deletedAt" IS NULL');
});

afterAll(async () => {
  await t?.cleanup();
  await db?.drop();
});

async function newConnection(): Promise<number> {
  const [row] = await db.sequelize.query<{ id: number }>(
    `INSERT INTO "Whatsapps" (name, "companyId", status)
     VALUES ('wa-' || gen_random_uuid(), $1, 'OPENING') RETURNING id`,
    { bind: [companyId], type: QueryTypes.SELECT },
  );
  return (row as { id: number }).id;
}

const prefix = () => `${t.prefix}chatia:`;

/** A driver as one process would run it: its own owner id and Redis client; sockets open at once. */
async function startProcess(ownerId: string, options: Partial<BaileysWhatsAppOptions> = {}) {
  const sockets = fakeSockets();
  const driver = await BaileysWhatsApp.start({
    connections: new SequelizeWhatsappConnectionStore(db.sequelize),
    sessions: new SequelizeWhatsappSessionStore(db.sequelize),
    redis: t.connect(),
    events: new RecordingEvents(),
    prefix: prefix(),
    ownerId,
    leaseMs: 5000,
    scanIntervalMs: 60_000,
    routedSendTimeoutMs: 2000,
    logger: pino({ level: "silent" }),
    socketFactory: (config) => {
      const socket = sockets.factory(config);
      setImmediate(() =>
        (socket as ReturnType<typeof sockets.of>[number]).update({ connection: "open" }),
      );
      return socket;
    },
    ...options,
  });
  drivers.push(driver);
  return { driver, sockets };
}

async function whenOpen(driver: BaileysWhatsApp): Promise<void> {
  await waitUntil(
    async () => {
      for (const id of driver.ownedConnections()) await driver.settled(id);
      const rows = await db.sequelize.query<{ status: string }>(
        'SELECT status FROM "Whatsapps" WHERE id = ANY($1::int[])',
        { bind: [driver.ownedConnections()], type: QueryTypes.SELECT },
      );
      return rows.every((r) => r.status === "CONNECTED");
    },
    5000,
    "the owned connections to open",
  );
}

async function failure(promise: Promise<unknown>): Promise<ChatiaError> {
  return promise.then(
    () => expect.unreachable("expected a rejection"),
    (err: unknown) => err as ChatiaError,
  );
}

describe("ownership", () => {
  it("gives each connection to exactly one process, up to each one's limit", async () => {
    const ids = [await newConnection(), await newConnection(), await newConnection()];
    const [a, b] = await Promise.all([
      startProcess("proc-a", { maxConnections: 2 }),
      startProcess("proc-b", { maxConnections: 2 }),
    ]);
    await Promise.all([a.driver.scan(), b.driver.scan()]);
    await Promise.all([whenOpen(a.driver), whenOpen(b.driver)]);
    const ownedA = a.driver.ownedConnections();
    const ownedB = b.driver.ownedConnections();
    expect([...ownedA, ...ownedB].sort((x, y) => x - y)).toEqual(ids);
    expect(ownedA.filter((id) => ownedB.includes(id))).toEqual([]);
    for (const id of ids) {
      const owner = ownedA.includes(id) ? "proc-a" : "proc-b";
      expect(await t.redis.get(`${prefix()}wa:owner:${id}`)).toBe(owner);
      // Only the owner opened a socket.
      const sockets = [...a.sockets.of(id), ...b.sockets.of(id)];
      expect(sockets).toHaveLength(1);
    }
  });

  it("hands a closed process's connections to another at its next scan", async () => {
    const id = await newConnection();
    const a = await startProcess("proc-a");
    // Its socket is opened after the claim: wait for it, so that close() has one to end.
    await whenOpen(a.driver);
    const b = await startProcess("proc-b");
    expect(a.driver.ownedConnections()).toEqual([id]);
    await b.driver.scan();
    expect(b.driver.ownedConnections()).toEqual([]);
    await a.driver.close();
    expect(a.sockets.of(id)[0]?.ended).toBe(true);
    await b.driver.scan();
    expect(b.driver.ownedConnections()).toEqual([id]);
    expect(await t.redis.get(`${prefix()}wa:owner:${id}`)).toBe("proc-b");
  });

  it("drops a connection whose lease another process holds now", async () => {
    const id = await newConnection();
    const a = await startProcess("proc-a");
    await whenOpen(a.driver);
    expect(a.driver.ownedConnections()).toEqual([id]);
    // The lease expired (say, a long pause) and someone else took it.
    await t.redis.set(`${prefix()}wa:owner:${id}`, "proc-z");
    await a.driver.scan();
    expect(a.driver.ownedConnections()).toEqual([]);
    expect(a.sockets.of(id)[0]?.ended).toBe(true);
    expect(await t.redis.get(`${prefix()}wa:owner:${id}`)).toBe("proc-z");
  });
});

describe("routed sends", () => {
  it("a send made in the non-owner runs on the owner's socket and answers its result", async () => {
    const id = await newConnection();
    const a = await startProcess("proc-a");
    const b = await startProcess("proc-b");
    await whenOpen(a.driver);
    const sent = await b.driver.send(id, { jid: JID, text: "via b" });
    expect(sent).toEqual({ id: `FAKE-${id}-1`, jid: JID, timestamp: 1_700_000_000_000 });
    expect(a.sockets.of(id)[0]?.sent).toEqual([{ jid: JID, content: { text: "via b" } }]);
    expect(b.sockets.of(id)).toEqual([]);
    // Many at once, in both directions of the call.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).driver.send(id, { jid: JID, text: `m${i}` }),
      ),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(20);
    expect(a.sockets.of(id)[0]?.sent).toHaveLength(21);
  });

  it("carries the owner's error codes back", async () => {
    const id = await newConnection();
    const a = await startProcess("proc-a");
    const b = await startProcess("proc-b");
    await whenOpen(a.driver);
    a.sockets.of(id)[0]?.failures.push(boom(400, "bad-request"));
    const refused = await failure(b.driver.send(id, { jid: JID, text: "x" }));
    expect(refused.code).toBe("CF_WA_SEND_FAILED");
    a.sockets.of(id)[0]?.update({ qr: "2@again" });
    await a.driver.settled(id);
    const notOpen = await failure(b.driver.send(id, { jid: JID, text: "x" }));
    expect(notOpen.code).toBe("CF_WA_DISCONNECTED");
  });

  it("refuses a send for a connection no process runs, sending nothing", async () => {
    const id = await newConnection();
    const b = await startProcess("proc-b", { runConnections: false });
    const err = await failure(b.driver.send(id, { jid: JID, text: "x" }));
    expect(err.code).toBe("CF_WA_DISCONNECTED");
    expect(err.message).toMatch(/no process runs/);
  });

  it("an owner that never takes the send: CF_WA_DISCONNECTED and the request is withdrawn", async () => {
    const id = await newConnection();
    const b = await startProcess("proc-b", { runConnections: false, routedSendTimeoutMs: 300 });
    await t.redis.set(`${prefix()}wa:owner:${id}`, "hung-process");
    const err = await failure(b.driver.send(id, { jid: JID, text: "x" }));
    expect(err.code).toBe("CF_WA_DISCONNECTED");
    expect(await t.redis.llen(`${prefix()}wa:send:${id}`)).toBe(0);
  });

  it("an owner that took the send but did not answer in time: CF_WA_TIMEOUT (in doubt)", async () => {
    const id = await newConnection();
    const a = await startProcess("proc-a");
    const b = await startProcess("proc-b", { routedSendTimeoutMs: 300 });
    await whenOpen(a.driver);
    const socket = a.sockets.of(id)[0];
    if (socket) socket.sendMessage = () => new Promise(() => undefined);
    const err = await failure(b.driver.send(id, { jid: JID, text: "x" }));
    expect(err.code).toBe("CF_WA_TIMEOUT");
  });

  it("the owner drops a request whose deadline passed (and a malformed one) and serves on", async () => {
    const id = await newConnection();
    const a = await startProcess("proc-a");
    await whenOpen(a.driver);
    const stale = { id: "r1", from: "gone", connectionId: id, message: { jid: JID, text: "late" } };
    await t.redis.rpush(
      `${prefix()}wa:send:${id}`,
      "not a request",
      JSON.stringify({ ...stale, deadline: Date.now() - 1 }),
      JSON.stringify({
        ...stale,
        id: "r2",
        message: { jid: JID, text: "on time" },
        deadline: Date.now() + 5000,
      }),
    );
    await waitUntil(() => (a.sockets.of(id)[0]?.sent.length ?? 0) > 0, 3000, "the send");
    expect(a.sockets.of(id)[0]?.sent).toEqual([{ jid: JID, content: { text: "on time" } }]);
  });
});

describe("an owner process killed", () => {
  it("routes sends to it while alive; after SIGKILL the lease expires and another takes over", async () => {
    const id = await newConnection();
    const child = spawn(process.execPath, ["--import", "tsx", OWNER_SCRIPT], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: db.url,
        REDIS_URL: t.url,
        WA_PREFIX: prefix(),
        WA_OWNER: "proc-child",
        WA_LEASE_MS: "1500",
        WA_SCAN_MS: "300",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await waitUntil(() => output.includes(`OWNS [${id}]`), 30_000, `the child to own ${id}`);
    await waitUntil(
      async () =>
        (
          await db.sequelize.query<{ status: string }>(
            'SELECT status FROM "Whatsapps" WHERE id = $1',
            { bind: [id], type: QueryTypes.SELECT },
          )
        )[0]?.status === "CONNECTED",
      5000,
      "the child's connection to open",
    );

    const b = await startProcess("proc-b", { leaseMs: 1500, scanIntervalMs: 300 });
    expect(b.driver.ownedConnections()).toEqual([]);
    const routed = await b.driver.send(id, { jid: JID, text: "to the child" });
    expect(routed.id).toBe(`FAKE-${id}-1`);
    await waitUntil(
      () => output.includes(`SENT ${id} {"text":"to the child"}`),
      3000,
      "the child's send",
    );

    const killedAt = Date.now();
    child.kill("SIGKILL");
    await waitUntil(() => b.driver.ownedConnections().includes(id), 10_000, "the takeover");
    const after = Date.now() - killedAt;
    expect(after).toBeLessThan(1500 + 300 + 1000);
    expect(await t.redis.get(`${prefix()}wa:owner:${id}`)).toBe("proc-b");
    await whenOpen(b.driver);
    const local = await b.driver.send(id, { jid: JID, text: "after the takeover" });
    expect(local.id).toBe(`FAKE-${id}-1`);
    expect(b.sockets.of(id)[0]?.sent).toEqual([
      { jid: JID, content: { text: "after the takeover" } },
    ]);
  }, 60_000);
});

describe("status of a connection closed with loggedOut in its owner", () => {
  it("is DISCONNECTED for every process", async () => {
    const id = await newConnection();
    const a = await startProcess("proc-a");
    const b = await startProcess("proc-b", { runConnections: false });
    await whenOpen(a.driver);
    expect(await b.driver.status(id)).toBe("CONNECTED");
    a.sockets.of(id)[0]?.close(DisconnectReason.loggedOut);
    await a.driver.settled(id);
    await waitUntil(
      async () => (await b.driver.status(id)) === "DISCONNECTED",
      3000,
      "DISCONNECTED",
    );
    expect(await t.redis.get(`${prefix()}wa:owner:${id}`)).toBeNull();
  });
});
