// MessageService over the baileys driver, made in a process that does not own the connection:
// the send runs on the owner's socket and is recorded once; the ledger keeps it at most once when
// the owner's socket is lost during a send, and lets a send refused before anything went out be
// sent again.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DisconnectReason } from "@whiskeysockets/baileys";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db/migrator";
import { SequelizeMessageStore } from "../../../runtime/adapters/db/repositories/message-store";
import { SequelizeWhatsappConnectionStore } from "../../../runtime/adapters/db/repositories/whatsapp-connection-store";
import { SequelizeWhatsappSessionStore } from "../../../runtime/adapters/db/repositories/whatsapp-session-store";
import { BaileysWhatsApp } from "../../../runtime/adapters/whatsapp/baileys-driver";
import { ChatiaError } from "../../../runtime/errors";
import { MessageService, type SendInput } from "../../../runtime/services/message.service";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { createTestRedis, type TestRedis } from "../../helpers/redis";
import { type TestRows, testRows } from "../../helpers/rows";
import { boom, type FakeSocket, fakeSockets, RecordingEvents, waitUntil } from "./baileys-fakes";

const NUMBER = "5511987650001";
const JID = `${NUMBER}@s.whatsapp.net`;

let db: TestDatabase;
let rows: TestRows;
let t: TestRedis;
let mediaDir: string;
let companyId: number;
let connectionId: number;
let owner: BaileysWhatsApp;
let requester: BaileysWhatsApp;
let socket: FakeSocket;
let service: MessageService;
let keySeq = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  rows = testRows(db.sequelize);
  t = createTestRedis();
  companyId = (await rows.insert("Companies", { name: "Empresa" })).id;
  connectionId = (await rows.insert("Whatsapps", { name: "Loja", companyId, status: "OPENING" }))
    .id;
  mediaDir = mkdtempSync(path.join(os.tmpdir(), "chatia-media-"));
  mkdirSync(path.join(mediaDir, `company${companyId}`), { recursive: true });
  writeFileSync(path.join(mediaDir, `company${companyId}`, "menu.png"), "png");

  const sockets = fakeSockets();
  const common = {
    connections: new SequelizeWhatsappConnectionStore(db.sequelize),
    sessions: new SequelizeWhatsappSessionStore(db.sequelize),
    events: new RecordingEvents(),
    prefix: `${t.prefix}chatia:`,
    scanIntervalMs: 60_000,
    logger: pino({ level: "silent" }),
    socketFactory: sockets.factory,
  };
  owner = await BaileysWhatsApp.start({ ...common, redis: t.connect(), ownerId: "owner" });
  requester = await BaileysWhatsApp.start({
    ...common,
    redis: t.connect(),
    ownerId: "requester",
    runConnections: false,
  });
  await waitUntil(() => sockets.of(connectionId).length === 1, 5000, "the owner's socket");
  socket = sockets.of(connectionId)[0] as FakeSocket;
  socket.update({ connection: "open" });
  await owner.settled(connectionId);
  service = new MessageService({
    store: new SequelizeMessageStore(db.sequelize),
    gateway: requester,
    mediaDir,
  });
}, 60_000);

afterEach(() => {
  socket.sent.splice(0);
});

afterAll(async () => {
  await requester?.close();
  await owner?.close();
  await t?.cleanup();
  await db?.drop();
  if (mediaDir) rmSync(mediaDir, { recursive: true, force: true });
});

function input(overrides: Partial<SendInput> = {}): SendInput {
  keySeq += 1;
  return {
    whatsappId: connectionId,
    number: NUMBER,
    body: "Olá!",
    idempotencyKey: `MessageQueue:${keySeq}`,
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<ChatiaError> {
  const err = await promise.then(
    () => expect.unreachable("expected the send to fail"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChatiaError);
  return err as ChatiaError;
}

describe("MessageService through a routed baileys send", () => {
  it("sends on the owner's socket once, records it, and a retry does not send again", async () => {
    const job = input({ body: "Seu pedido saiu" });
    const result = await service.send(job);
    expect(socket.sent).toEqual([{ jid: JID, content: { text: "Seu pedido saiu" } }]);
    expect(result).toMatchObject({ jid: JID, alreadySent: false });
    expect(result.wid).toMatch(new RegExp(`^FAKE-${connectionId}-`));
    expect(await rows.findOne("Messages", { id: result.messageId })).toMatchObject({
      wid: result.wid,
    });
    const again = await service.send(job);
    expect(again).toMatchObject({ wid: result.wid, alreadySent: true });
    expect(socket.sent).toHaveLength(1);
  });

  it("sends a company's media file by its type, the text as caption", async () => {
    await service.send(input({ body: "o cardápio", mediaPath: "menu.png" }));
    expect(socket.sent).toEqual([
      {
        jid: JID,
        content: {
          image: { url: path.join(mediaDir, `company${companyId}`, "menu.png") },
          mimetype: "image/png",
          caption: "o cardápio",
        },
      },
    ]);
  });

  it("a socket lost during the send leaves it in doubt: the retry does not send it again", async () => {
    const job = input();
    socket.failures.push(boom(DisconnectReason.connectionClosed, "Connection Closed"));
    expect((await failure(service.send(job))).code).toBe("CF_WA_SEND_UNCONFIRMED");
    expect((await failure(service.send(job))).code).toBe("CF_SEND_IN_DOUBT");
    expect(socket.sent).toEqual([]);
    expect(await rows.findOne("SendLedger", { key: job.idempotencyKey })).toMatchObject({
      status: "sending",
    });
  });

  it("a send WhatsApp refused is sent again by the retry, once", async () => {
    const job = input({ body: "de novo" });
    socket.failures.push(boom(400, "bad-request"));
    expect((await failure(service.send(job))).code).toBe("CF_WA_SEND_FAILED");
    expect(await rows.findOne("SendLedger", { key: job.idempotencyKey })).toMatchObject({
      status: "failed",
    });
    const result = await service.send(job);
    expect(result.alreadySent).toBe(false);
    expect(socket.sent).toEqual([{ jid: JID, content: { text: "de novo" } }]);
  });
});
