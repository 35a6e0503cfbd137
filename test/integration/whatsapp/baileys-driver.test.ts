// The baileys driver against real Postgres and Redis, up to the network: a fake socket emits the
// connection updates WhatsApp would cause, and the test checks what the driver writes to
// `Whatsapps`, emits to the company, does with the auth state and the socket, and sends.
import { DisconnectReason } from "@whiskeysockets/baileys";
import pino from "pino";
import { QueryTypes } from "sequelize";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db";
import { SequelizeWhatsappConnectionStore } from "../../../runtime/adapters/db/repositories/whatsapp-connection-store";
import { SequelizeWhatsappSessionStore } from "../../../runtime/adapters/db/repositories/whatsapp-session-store";
import { decode } from "../../../runtime/adapters/whatsapp/baileys-auth-state";
import {
  BaileysWhatsApp,
  type BaileysWhatsAppOptions,
  defaultSocketFactory,
  type SocketFactoryConfig,
} from "../../../runtime/adapters/whatsapp/baileys-driver";
import type { ChatiaError } from "../../../runtime/errors";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { createTestRedis, type TestRedis } from "../../helpers/redis";
import { boom, fakeSockets, RecordingEvents, waitUntil } from "./baileys-fakes";

const JID = "5511999990001@s.whatsapp.net";

let db: TestDatabase;
let t: TestRedis;
let companyId: number;
const drivers: BaileysWhatsApp[] = [];

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
  await Promise.all(drivers.splice(0).map((d) => d.close()));
  // Each test runs its own connections: retire the previous ones.
  await db.sequelize.query('UPDATE "Whatsapps" SET "deletedAt" = now() WHERE "deletedAt" IS NULL');
});

afterAll(async () => {
  await t?.cleanup();
  await db?.drop();
});

async function newConnection(status = "OPENING"): Promise<number> {
  const [row] = await db.sequelize.query<{ id: number }>(
    `INSERT INTO "Whatsapps" (name, "companyId", status) VALUES ('wa-' || gen_random_uuid(), $1, $2)
     RETURNING id`,
    { bind: [companyId, status], type: QueryTypes.SELECT },
  );
  return (row as { id: number }).id;
}

async function row(id: number) {
  const [found] = await db.sequelize.query<{
    status: string;
    qrcode: string | null;
    retries: number;
  }>('SELECT status, qrcode, retries FROM "Whatsapps" WHERE id = $1', {
    bind: [id],
    type: QueryTypes.SELECT,
  });
  return found;
}

async function startDriver(options: Partial<BaileysWhatsAppOptions> = {}) {
  const sockets = fakeSockets();
  const events = new RecordingEvents();
  const driver = await BaileysWhatsApp.start({
    connections: new SequelizeWhatsappConnectionStore(db.sequelize),
    sessions: new SequelizeWhatsappSessionStore(db.sequelize),
    redis: t.redis,
    events,
    prefix: `${t.prefix}chatia:`,
    leaseMs: 5000,
    scanIntervalMs: 60_000,
    backoff: { baseMs: 200, maxMs: 1000, random: () => 0 },
    logger: pino({ level: "silent" }),
    socketFactory: sockets.factory,
    ...options,
  });
  drivers.push(driver);
  return { driver, sockets, events };
}

/** The connection's first socket once the driver has opened it. */
async function firstSocket(sockets: ReturnType<typeof fakeSockets>, id: number) {
  await waitUntil(() => sockets.of(id).length > 0, 5000, `a socket for connection ${id}`);
  return sockets.of(id)[0] as NonNullable<ReturnType<typeof sockets.of>[number]>;
}

async function failure(promise: Promise<unknown>): Promise<ChatiaError> {
  return promise.then(
    () => expect.unreachable("expected a rejection"),
    (err: unknown) => err as ChatiaError,
  );
}

describe("pairing and status", () => {
  it("opens a socket with the stored auth state, writes and emits QR then CONNECTED", async () => {
    const id = await newConnection();
    const { driver, sockets, events } = await startDriver();
    const socket = await firstSocket(sockets, id);
    expect(driver.ownedConnections()).toEqual([id]);
    expect(await driver.owns(id)).toBe(true);
    await driver.settled(id);
    expect(await row(id)).toMatchObject({ status: "OPENING" });
    // The socket got the creds that are stored for the connection.
    const stored = decode<{ noiseKey: { public: Buffer } }>(
      (await driver.sessions.readCreds(id)) as string,
    );
    expect(Buffer.from(socket.config.auth.creds.noiseKey.public)).toEqual(stored.noiseKey.public);

    socket.update({ connection: "connecting" });
    socket.update({ qr: "2@qr-one" });
    await driver.settled(id);
    expect(await row(id)).toMatchObject({ status: "qrcode", qrcode: "2@qr-one" });
    expect(await driver.status(id)).toBe("qrcode");

    socket.update({ connection: "open" });
    await driver.settled(id);
    expect(await row(id)).toEqual({ status: "CONNECTED", qrcode: "", retries: 0 });
    expect(await driver.status(id)).toBe("CONNECTED");

    const updates = events.emitted.filter((e) => e.topic === "whatsappSession");
    expect(updates.every((e) => e.companyId === companyId && e.payload.action === "update")).toBe(
      true,
    );
    expect(updates.map((e) => [e.payload.session?.id, e.payload.session?.status])).toEqual([
      [id, "OPENING"],
      [id, "qrcode"],
      [id, "CONNECTED"],
    ]);
    expect(updates[1]?.payload.session?.qrcode).toBe("2@qr-one");
  });

  it("restartRequired reconnects at once with the same credentials", async () => {
    const id = await newConnection();
    const { driver, sockets } = await startDriver({ backoff: { baseMs: 60_000 } });
    const first = await firstSocket(sockets, id);
    first.update({ qr: "2@qr" });
    first.close(DisconnectReason.restartRequired, "restart required");
    await driver.settled(id);
    expect(first.ended).toBe(true);
    expect(sockets.of(id)).toHaveLength(2);
    expect(sockets.of(id)[1]?.config.auth).toBe(first.config.auth);
    expect(await row(id)).toMatchObject({ status: "OPENING", retries: 0 });
  });

  it("connectionClosed and connectionLost reconnect after a growing backoff; open resets it", async () => {
    const id = await newConnection();
    const { driver, sockets } = await startDriver(); // 200 ms base, no jitter: 100, 200, 400 ms
    const first = await firstSocket(sockets, id);
    first.update({ connection: "open" });
    const closedAt = Date.now();
    first.close(DisconnectReason.connectionClosed, "Connection Closed");
    await driver.settled(id);
    expect(await row(id)).toMatchObject({ status: "OPENING", retries: 1 });
    expect(sockets.of(id)).toHaveLength(1);
    await waitUntil(() => sockets.of(id).length === 2, 2000, "the first reconnect");
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(95);

    const second = sockets.of(id)[1];
    const lostAt = Date.now();
    second?.close(DisconnectReason.connectionLost, "Connection Lost");
    await driver.settled(id);
    expect(await row(id)).toMatchObject({ status: "OPENING", retries: 2 });
    await waitUntil(() => sockets.of(id).length === 3, 2000, "the second reconnect");
    expect(Date.now() - lostAt).toBeGreaterThanOrEqual(195);

    sockets.of(id)[2]?.update({ connection: "open" });
    await driver.settled(id);
    expect(await row(id)).toMatchObject({ status: "CONNECTED", retries: 0 });
    sockets.of(id)[2]?.close(DisconnectReason.connectionClosed);
    await driver.settled(id);
    expect(await row(id)).toMatchObject({ retries: 1 });
  });

  it("loggedOut clears the auth state, writes DISCONNECTED and gives the connection up", async () => {
    const id = await newConnection();
    const { driver, sockets, events } = await startDriver();
    const socket = await firstSocket(sockets, id);
    socket.update({ connection: "open" });
    await socket.config.auth.keys.set({ session: { a: Buffer.from("x") } });
    socket.close(DisconnectReason.loggedOut, "Stream Errored (conflict)");
    await driver.settled(id);
    await waitUntil(() => driver.ownedConnections().length === 0, 2000, "the retirement");
    expect(await row(id)).toEqual({ status: "DISCONNECTED", qrcode: "", retries: 0 });
    expect(await driver.sessions.readCreds(id)).toBeNull();
    expect(socket.ended).toBe(true);
    expect(await driver.owns(id)).toBe(false);
    expect(await t.redis.get(`${t.prefix}chatia:wa:owner:${id}`)).toBeNull();
    expect(events.emitted.at(-1)?.payload.session).toMatchObject({ id, status: "DISCONNECTED" });
    // A DISCONNECTED connection is not claimed again until someone asks for a new QR code.
    await driver.scan();
    expect(driver.ownedConnections()).toEqual([]);
    expect(sockets.of(id)).toHaveLength(1);
    expect((await failure(driver.send(id, { jid: JID, text: "oi" }))).code).toBe(
      "CF_WA_DISCONNECTED",
    );
    await db.sequelize.query(`UPDATE "Whatsapps" SET status = 'OPENING' WHERE id = $1`, {
      bind: [id],
    });
    await driver.scan();
    await waitUntil(() => sockets.of(id).length === 2, 2000, "the new pairing");
    expect(sockets.of(id)[1]?.config.auth.creds.registered).toBe(false);
  });

  it("badSession clears the auth state and pairs again with new credentials", async () => {
    const id = await newConnection();
    const { driver, sockets } = await startDriver();
    const first = await firstSocket(sockets, id);
    const oldSecret = first.config.auth.creds.advSecretKey;
    first.update({ connection: "open" });
    first.close(DisconnectReason.badSession, "Bad MAC");
    await driver.settled(id);
    expect(await row(id)).toMatchObject({ status: "OPENING", qrcode: "" });
    await waitUntil(() => sockets.of(id).length === 2, 2000, "the re-pairing socket");
    await driver.settled(id);
    const fresh = sockets.of(id)[1]?.config.auth.creds;
    expect(fresh?.advSecretKey).not.toBe(oldSecret);
    const stored = decode<{ advSecretKey: string }>(
      (await driver.sessions.readCreds(id)) as string,
    );
    expect(stored.advSecretKey).toBe(fresh?.advSecretKey);
    sockets.of(id)[1]?.update({ qr: "2@again" });
    await driver.settled(id);
    expect(await row(id)).toMatchObject({ status: "qrcode", qrcode: "2@again" });
  });

  it("connectionReplaced while it holds the lease: reconnects after the backoff, state kept", async () => {
    const id = await newConnection();
    const { driver, sockets } = await startDriver();
    const socket = await firstSocket(sockets, id);
    socket.update({ connection: "open" });
    await driver.settled(id);
    socket.close(DisconnectReason.connectionReplaced, "replaced");
    await driver.settled(id);
    expect(await row(id)).toMatchObject({ status: "OPENING", retries: 1 });
    expect(await driver.sessions.readCreds(id)).not.toBeNull();
    await waitUntil(() => sockets.of(id).length === 2, 2000, "the reconnect");
    expect(sockets.of(id)[1]?.config.auth).toBe(socket.config.auth);
  });

  it("a process that lost the lease leaves the connection alone whatever its socket says", async () => {
    const id = await newConnection();
    const { driver, sockets, events } = await startDriver();
    const socket = await firstSocket(sockets, id);
    socket.update({ connection: "open" });
    await driver.settled(id);
    const emitted = events.emitted.length;
    // A long pause: the lease expired and another process runs the connection now.
    await t.redis.set(`${t.prefix}chatia:wa:owner:${id}`, "the-new-owner");
    socket.close(DisconnectReason.loggedOut, "replaced by the new owner's socket");
    await driver.settled(id);
    expect(driver.ownedConnections()).toEqual([]);
    expect(await row(id)).toMatchObject({ status: "CONNECTED" });
    expect(await driver.sessions.readCreds(id)).not.toBeNull();
    expect(events.emitted).toHaveLength(emitted);
    expect(sockets.of(id)).toHaveLength(1);
    expect(await t.redis.get(`${t.prefix}chatia:wa:owner:${id}`)).toBe("the-new-owner");
  });

  it("an unscanned QR that runs out leaves the connection DISCONNECTED instead of cycling", async () => {
    const id = await newConnection();
    const { driver, sockets } = await startDriver();
    const socket = await firstSocket(sockets, id);
    socket.update({ qr: "2@never-scanned" });
    socket.close(DisconnectReason.timedOut, "QR refs attempts ended");
    await driver.settled(id);
    await waitUntil(() => driver.ownedConnections().length === 0, 2000, "the retirement");
    expect(await row(id)).toEqual({ status: "DISCONNECTED", qrcode: "", retries: 0 });
  });

  it("stops and releases a connection that was deleted", async () => {
    const id = await newConnection();
    const { driver, sockets } = await startDriver();
    const socket = await firstSocket(sockets, id);
    await db.sequelize.query('UPDATE "Whatsapps" SET "deletedAt" = now() WHERE id = $1', {
      bind: [id],
    });
    await driver.scan();
    expect(driver.ownedConnections()).toEqual([]);
    expect(socket.ended).toBe(true);
    expect(await driver.owns(id)).toBe(false);
  });

  it("claims no more connections than its limit", async () => {
    const ids = [await newConnection(), await newConnection(), await newConnection()];
    const { driver } = await startDriver({ maxConnections: 2 });
    expect(driver.ownedConnections()).toEqual(ids.slice(0, 2));
  });
});

describe("sends", () => {
  async function connected() {
    const id = await newConnection();
    const started = await startDriver();
    const socket = await firstSocket(started.sockets, id);
    socket.update({ connection: "open" });
    await started.driver.settled(id);
    return { id, socket, ...started };
  }

  it("sends text and media through the socket, by media type", async () => {
    const { id, socket, driver } = await connected();
    const text = await driver.send(id, { jid: JID, text: "Olá" });
    expect(text).toEqual({ id: `FAKE-${id}-1`, jid: JID, timestamp: 1_700_000_000_000 });
    await driver.send(id, { jid: JID, text: "o cardápio", media: { path: "/m/menu.png" } });
    const audio = await driver.send(id, { jid: JID, text: "ouça", media: { path: "/m/a.ogg" } });
    expect(audio.id).toBe(`FAKE-${id}-4`);
    expect(socket.sent).toEqual([
      { jid: JID, content: { text: "Olá" } },
      {
        jid: JID,
        content: { image: { url: "/m/menu.png" }, mimetype: "image/png", caption: "o cardápio" },
      },
      { jid: JID, content: { text: "ouça" } },
      {
        jid: JID,
        content: { audio: { url: "/m/a.ogg" }, mimetype: "audio/ogg; codecs=opus", ptt: true },
      },
    ]);
  });

  it("refuses bad messages and sends on a connection that is not open", async () => {
    const { id, socket, driver } = await connected();
    expect((await failure(driver.send(id, { jid: "nope", text: "x" }))).code).toBe(
      "CF_WA_BAD_RECIPIENT",
    );
    socket.update({ qr: "2@x" });
    await driver.settled(id);
    expect((await failure(driver.send(id, { jid: JID, text: "x" }))).code).toBe(
      "CF_WA_DISCONNECTED",
    );
    expect(socket.sent).toEqual([]);
  });

  it("maps the socket's failures to CF_WA_* codes", async () => {
    const { id, socket, driver } = await connected();
    socket.failures.push(
      boom(DisconnectReason.connectionClosed, "Connection Closed"),
      boom(DisconnectReason.timedOut, "Timed Out"),
      boom(400, "bad-request"),
    );
    const codes = [];
    for (let i = 0; i < 3; i++)
      codes.push((await failure(driver.send(id, { jid: JID, text: "x" }))).code);
    expect(codes).toEqual(["CF_WA_SEND_UNCONFIRMED", "CF_WA_TIMEOUT", "CF_WA_SEND_FAILED"]);
  });

  it("reports an audio that failed after its text as unconfirmed (the text went out)", async () => {
    const { id, socket, driver } = await connected();
    // The text goes through; the audio after it fails.
    const original = socket.sendMessage.bind(socket);
    let calls = 0;
    socket.sendMessage = async (jid, content) => {
      calls += 1;
      if (calls === 2) throw boom(400, "media upload failed");
      return original(jid, content);
    };
    const send = driver.send(id, { jid: JID, text: "ouça", media: { path: "/m/a.ogg" } });
    const err = await failure(send);
    expect(err.code).toBe("CF_WA_SEND_UNCONFIRMED");
    expect(socket.sent).toEqual([{ jid: JID, content: { text: "ouça" } }]);
  });
});

describe("the real makeWASocket", () => {
  it("is built with our auth state and, unable to reach WhatsApp, schedules a reconnect", async () => {
    const id = await newConnection();
    const built: SocketFactoryConfig[] = [];
    const { driver } = await startDriver({
      backoff: { baseMs: 60_000 },
      // Nothing listens there: the connection fails at once, as WhatsApp would be unreachable.
      socketOptions: { waWebSocketUrl: "wss://127.0.0.1:9/ws/chat", connectTimeoutMs: 5000 },
      socketFactory: (config) => {
        built.push(config);
        return defaultSocketFactory(config);
      },
    });
    await waitUntil(async () => (await row(id))?.retries === 1, 15_000, "the reconnect");
    expect(await row(id)).toMatchObject({ status: "OPENING", retries: 1 });
    expect(built).toHaveLength(1);
    const stored = decode<{ noiseKey: { public: Buffer } }>(
      (await driver.sessions.readCreds(id)) as string,
    );
    expect(Buffer.from(built[0]?.auth.creds.noiseKey.public as Uint8Array)).toEqual(
      stored.noiseKey.public,
    );
    expect(driver.ownedConnections()).toEqual([id]);
  }, 30_000);
});
