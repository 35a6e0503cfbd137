// MessageService against a real Postgres and a real Redis (simulated WhatsApp driver): each
// message is sent at most once however often a job is retried, and never dropped silently.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db/migrator";
import { SequelizeMessageStore } from "../../../runtime/adapters/db/repositories/message-store";
import { SimulatedWhatsApp } from "../../../runtime/adapters/whatsapp";
import { ChatiaError } from "../../../runtime/errors";
import {
  MessageService,
  type SendInput,
  type SendResult,
} from "../../../runtime/services/message.service";
import type { MessageStore } from "../../../runtime/services/ports/message-store";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { createTestRedis, type TestRedis } from "../../helpers/redis";
import { type TestRows, testRows } from "../../helpers/rows";

const NUMBER = "5511987650001";
const JID = `${NUMBER}@s.whatsapp.net`;

let db: TestDatabase;
let rows: TestRows;
let mediaDir: string;
let companyA: number;
let companyB: number;
/** Connections of company A (CONNECTED) and of company B. */
let waA: number;
let waB: number;

let t: TestRedis;
let wa: SimulatedWhatsApp;
let store: SequelizeMessageStore;
let service: MessageService;
let keySeq = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  rows = testRows(db.sequelize);
  companyA = (await rows.insert("Companies", { name: "Empresa A" })).id;
  companyB = (await rows.insert("Companies", { name: "Empresa B" })).id;
  waA = (await rows.insert("Whatsapps", { name: "A", companyId: companyA, status: "CONNECTED" }))
    .id;
  waB = (await rows.insert("Whatsapps", { name: "B", companyId: companyB, status: "CONNECTED" }))
    .id;
  mediaDir = mkdtempSync(path.join(os.tmpdir(), "chatia-media-"));
  mkdirSync(path.join(mediaDir, `company${companyA}`, "docs"), { recursive: true });
  mkdirSync(path.join(mediaDir, `company${companyB}`), { recursive: true });
  writeFileSync(path.join(mediaDir, `company${companyA}`, "docs", "menu.pdf"), "%PDF-1.4");
  writeFileSync(path.join(mediaDir, `company${companyA}`, "foto.JPG"), "jpeg");
  writeFileSync(path.join(mediaDir, `company${companyB}`, "secret.pdf"), "b's");
}, 60_000);

afterAll(async () => {
  await db?.drop();
  if (mediaDir) rmSync(mediaDir, { recursive: true, force: true });
});

beforeEach(() => {
  t = createTestRedis();
  wa = new SimulatedWhatsApp(t.redis, { prefix: t.prefix, sendTimeoutMs: 100 });
  store = new SequelizeMessageStore(db.sequelize);
  service = new MessageService({ store, gateway: wa, mediaDir });
});

afterEach(async () => {
  await t.cleanup();
});

/** A SendMessage job's input with a key of its own. */
function input(overrides: Partial<SendInput> = {}): SendInput {
  keySeq += 1;
  return {
    whatsappId: waA,
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

const ledger = (key: string) => rows.findOne("SendLedger", { key });

describe("MessageService.send", () => {
  it("sends once and records the Contact, a pending Ticket and the Message", async () => {
    const job = input({ body: "Seu pedido saiu para entrega" });
    const result = await service.send(job);
    const sends = await wa.sends();
    expect(sends).toHaveLength(1);
    expect(sends[0]).toMatchObject({ connectionId: waA, jid: JID, text: job.body, id: result.wid });
    expect(result).toEqual({
      jid: JID,
      wid: sends[0]?.id,
      messageId: expect.any(Number),
      ticketId: expect.any(Number),
      contactId: expect.any(Number),
      alreadySent: false,
      sentAt: new Date(sends[0]?.timestamp ?? 0).toISOString(),
    });
    const contact = await rows.findOne("Contacts", { id: result.contactId });
    expect(contact).toMatchObject({ name: NUMBER, number: NUMBER, companyId: companyA });
    const ticket = await rows.findOne("Tickets", { id: result.ticketId });
    expect(ticket).toMatchObject({
      status: "pending",
      whatsappId: waA,
      contactId: result.contactId,
      companyId: companyA,
      lastMessage: job.body,
      fromMe: true,
      isGroup: false,
    });
    const message = await rows.findOne("Messages", { id: result.messageId });
    expect(message).toMatchObject({
      wid: result.wid,
      body: job.body,
      fromMe: true,
      ack: 1,
      remoteJid: JID,
      mediaType: "chat",
      mediaUrl: null,
      ticketId: result.ticketId,
      contactId: result.contactId,
      companyId: companyA,
    });
    expect(await ledger(job.idempotencyKey)).toMatchObject({
      status: "sent",
      wid: result.wid,
      messageId: result.messageId,
      companyId: companyA,
      whatsappId: waA,
      jid: JID,
      error: null,
    });
  });

  it("with the same key again sends nothing and returns the recorded result", async () => {
    const job = input({ number: "5511987650011" });
    const first = await service.send(job);
    const again = await service.send(job);
    expect(again).toEqual({ ...first, alreadySent: true });
    expect(await wa.sends()).toHaveLength(1);
    expect(await rows.count("Messages", { ticketId: first.ticketId })).toBe(1);
  });

  it("reuses the contact's open ticket on the connection for the next message", async () => {
    const first = await service.send(input({ number: "5511987650002" }));
    const second = await service.send(input({ number: "+55 (11) 98765-0002", body: "De novo" }));
    expect(second.ticketId).toBe(first.ticketId);
    expect(second.contactId).toBe(first.contactId);
    expect((await rows.findOne("Tickets", { id: first.ticketId }))?.lastMessage).toBe("De novo");
    await rows.update("Tickets", { status: "closed" }, { id: first.ticketId });
    const third = await service.send(input({ number: "5511987650002" }));
    expect(third.ticketId).not.toBe(first.ticketId);
  });

  it("addresses a group as <id>@g.us and marks its contact and ticket as a group", async () => {
    const result = await service.send(input({ number: "120363040000000001", isGroup: true }));
    expect(result.jid).toBe("120363040000000001@g.us");
    expect((await rows.findOne("Contacts", { id: result.contactId }))?.isGroup).toBe(true);
    expect((await rows.findOne("Tickets", { id: result.ticketId }))?.isGroup).toBe(true);
  });

  it("with record false marks the ledger sent and records no Message", async () => {
    const job = input({ number: "5511987650003", record: false });
    const result = await service.send(job);
    expect(result).toEqual({
      jid: "5511987650003@s.whatsapp.net",
      wid: expect.stringMatching(/^SIM\d+$/),
      alreadySent: false,
      sentAt: expect.any(String),
    });
    const remoteJid = "5511987650003@s.whatsapp.net";
    expect(await rows.count("Messages", { remoteJid })).toBe(0);
    expect(await ledger(job.idempotencyKey)).toMatchObject({ status: "sent", messageId: null });
    expect(await service.send(job)).toEqual({ ...result, alreadySent: true });
  });
});

describe("a database failure between the send and its record", () => {
  /**
   * The real store, except that recording fails `failures` times first, as a Postgres restart
   * makes it fail; `committed` makes the first failure come after the write committed (its reply
   * lost on the way back).
   */
  function failingRecord(failures: number, opts: { committed?: boolean } = {}): MessageStore {
    let left = failures;
    return {
      findConnection: (id) => store.findConnection(id),
      claim: (c) => store.claim(c),
      claimHandedOver: (c, o) => store.claimHandedOver(c, o),
      heartbeat: (k, o) => store.heartbeat(k, o),
      heartbeatMany: (k, o) => store.heartbeatMany(k, o),
      markHandedOver: (k, o) => store.markHandedOver(k, o),
      markFailed: (k, e) => store.markFailed(k, e),
      noteInDoubt: (k, e) => store.noteInDoubt(k, e),
      recordSent: async (r) => {
        if (left === 0) return store.recordSent(r);
        if (left === failures && opts.committed === true) await store.recordSent(r);
        left -= 1;
        throw new Error("Connection terminated unexpectedly");
      },
    };
  }

  it("keeps recording a send WhatsApp accepted until the database answers: sent, not in doubt", async () => {
    const failing = new MessageService({ store: failingRecord(3), gateway: wa, mediaDir });
    const job = input({ number: "5511987650006" });
    const result = await failing.send(job);
    expect(result).toMatchObject({ alreadySent: false, messageId: expect.any(Number) });
    expect(await ledger(job.idempotencyKey)).toMatchObject({ status: "sent", wid: result.wid });
    expect(await wa.sends()).toHaveLength(1);
    expect(await rows.count("Messages", { remoteJid: "5511987650006@s.whatsapp.net" })).toBe(1);
  });

  it("a retry after a record whose reply was lost records the message once", async () => {
    const lost = new MessageService({
      store: failingRecord(1, { committed: true }),
      gateway: wa,
      mediaDir,
    });
    const job = input({ number: "5511987650007" });
    const result = await lost.send(job);
    expect(await ledger(job.idempotencyKey)).toMatchObject({
      status: "sent",
      messageId: result.messageId,
    });
    expect(await rows.count("Messages", { remoteJid: "5511987650007@s.whatsapp.net" })).toBe(1);
    expect(await service.send(job)).toEqual({ ...result, alreadySent: true });
  });

  it("past its retry time leaves the key in doubt: the retry does not send again (CF_SEND_IN_DOUBT)", async () => {
    const failing = new MessageService({
      store: failingRecord(1_000),
      gateway: wa,
      mediaDir,
      recordRetryMs: 600,
    });
    const job = input({ number: "5511987650004" });
    await expect(failing.send(job)).rejects.toThrow("Connection terminated unexpectedly");
    const [sent] = await wa.sends();
    const row = await ledger(job.idempotencyKey);
    expect(row).toMatchObject({ status: "sending", wid: null, messageId: null });
    expect(row?.error).toContain(`WhatsApp accepted it as ${sent?.id}`);

    const err = await failure(service.send(job));
    expect(err.code).toBe("CF_SEND_IN_DOUBT");
    expect(err.kind).toBe("user");
    expect(err.message).toMatch(/may or may not have reached WhatsApp.*not sent again/);
    expect(await wa.sends()).toHaveLength(1);
    expect(await rows.count("Messages", { remoteJid: "5511987650004@s.whatsapp.net" })).toBe(0);
  });

  it("treats a send that timed out as in doubt too (WhatsApp may have it)", async () => {
    await wa.setBehaviour(waA, { latencyMs: 300 });
    const job = input({ number: "5511987650005" });
    expect((await failure(service.send(job))).code).toBe("CF_WA_TIMEOUT");
    expect(await ledger(job.idempotencyKey)).toMatchObject({ status: "sending" });
    await wa.setBehaviour(waA, { latencyMs: 0 });
    const err = await failure(service.send(job));
    expect(err.code).toBe("CF_SEND_IN_DOUBT");
    expect(err.message).toContain("CF_WA_TIMEOUT");
    expect(await wa.sends()).toHaveLength(0);
  });
});

describe("claims that know their owner", () => {
  /** Claims the job's key as another attempt would; `age` ms of silence since its last sign of life. */
  async function claimedElsewhere(job: SendInput, opts: { handedOver: boolean; age: number }) {
    const owner = "other-host pid 1 #1";
    const claim = {
      key: job.idempotencyKey,
      companyId: companyA,
      whatsappId: waA,
      jid: `${job.number}@s.whatsapp.net`,
      owner,
    };
    expect(await store.claim(claim)).toEqual({ claimed: true });
    if (opts.handedOver) expect(await store.markHandedOver(job.idempotencyKey, owner)).toBe(true);
    await db.sequelize.query(
      `UPDATE "SendLedger" SET "aliveAt" = now() - $2 * interval '1 millisecond' WHERE "key" = $1`,
      { bind: [job.idempotencyKey, opts.age] },
    );
  }

  it("a duplicate racing a live send waits for it and reports it sent: one message", async () => {
    const job = input({ number: "5511987650021", record: false });
    const first = service.send({ ...job, notBefore: Date.now() + 1_500 });
    // The first holds the claim (waiting for its due time) when the duplicate starts.
    await expect.poll(() => ledger(job.idempotencyKey), { timeout: 10_000 }).not.toBeNull();
    const second = await service.send(job);
    expect(second).toMatchObject({ alreadySent: true, wid: (await first).wid });
    expect(await wa.sends()).toHaveLength(1);
  });

  it("a dead owner that handed nothing over is taken over: sent once, not in doubt", async () => {
    const job = input({ number: "5511987650022", record: false });
    await claimedElsewhere(job, { handedOver: false, age: 60_000 });
    expect(await service.send(job)).toMatchObject({ alreadySent: false });
    expect(await wa.sends()).toHaveLength(1);
    expect(await ledger(job.idempotencyKey)).toMatchObject({ status: "sent" });
  });

  it("a dead owner that handed the message over leaves it in doubt: CF_SEND_IN_DOUBT, not resent", async () => {
    const job = input({ number: "5511987650023", record: false });
    await claimedElsewhere(job, { handedOver: true, age: 60_000 });
    expect((await failure(service.send(job))).code).toBe("CF_SEND_IN_DOUBT");
    expect(await wa.sends()).toHaveLength(0);
  });

  it("a live owner that does not settle in the wait: CF_SEND_IN_PROGRESS, nothing sent", async () => {
    const job = input({ number: "5511987650024", record: false });
    await claimedElsewhere(job, { handedOver: true, age: 0 });
    const waiting = new MessageService({ store, gateway: wa, mediaDir, claimWaitMs: 300 });
    const err = await failure(waiting.send(job));
    expect(err.code).toBe("CF_SEND_IN_PROGRESS");
    expect(err.kind).toBe("operational");
    expect(err.message).toContain("other-host pid 1 #1");
    expect(await wa.sends()).toHaveLength(0);
    expect(await ledger(job.idempotencyKey)).toMatchObject({ status: "sending" });
  });
});

describe("a connection that cannot send", () => {
  it("DISCONNECTED in the database: CF_WA_DISCONNECTED, ledger failed, sent once after reconnect", async () => {
    const down = await rows.insert("Whatsapps", {
      name: "Caiu",
      companyId: companyA,
      status: "DISCONNECTED",
    });
    const job = input({ whatsappId: down.id, number: "5511987650006" });
    const err = await failure(service.send(job));
    expect(err.code).toBe("CF_WA_DISCONNECTED");
    expect(err.kind).toBe("operational");
    expect(await ledger(job.idempotencyKey)).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/^CF_WA_DISCONNECTED: .*DISCONNECTED/),
    });
    await rows.update("Whatsapps", { status: "CONNECTED" }, { id: down.id });
    const result = await service.send(job);
    expect(result.alreadySent).toBe(false);
    expect(await service.send(job)).toMatchObject({ alreadySent: true, wid: result.wid });
    expect(await wa.sends({ connectionId: down.id })).toHaveLength(1);
    expect(await ledger(job.idempotencyKey)).toMatchObject({ status: "sent", error: null });
  });

  it("refused by the gateway: ledger failed, and the retry after reconnect sends exactly once", async () => {
    await wa.setBehaviour(waA, { status: "DISCONNECTED" });
    const job = input({ number: "5511987650007" });
    expect((await failure(service.send(job))).code).toBe("CF_WA_DISCONNECTED");
    expect(await ledger(job.idempotencyKey)).toMatchObject({ status: "failed" });
    await wa.setBehaviour(waA, { status: "CONNECTED", failNext: 1 });
    expect((await failure(service.send(job))).code).toBe("CF_WA_SEND_FAILED");
    await service.send(job);
    await service.send(job);
    expect(await wa.sends()).toHaveLength(1);
  });

  it("an error before the gateway has the message (pace or cap store down): ledger failed, not in doubt", async () => {
    let down = true;
    const broken = new MessageService({
      store,
      gateway: wa,
      mediaDir,
      pace: async () => {
        if (down) throw new Error("connect ECONNREFUSED 127.0.0.1:6379");
      },
    });
    const job = input({ number: "5511987650008" });
    await expect(broken.send(job)).rejects.toThrow(/ECONNREFUSED/);
    expect(await ledger(job.idempotencyKey)).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/ECONNREFUSED/),
    });
    down = false;
    expect(await broken.send(job)).toMatchObject({ alreadySent: false });
    expect(await wa.sends()).toHaveLength(1);
  });

  it("a send WhatsApp refused gives its use of the daily cap back; one it may have kept does not", async () => {
    const taken: number[] = [];
    const givenBack: number[] = [];
    const capped = new MessageService({
      store,
      gateway: wa,
      mediaDir,
      quota: async (connectionId) => {
        taken.push(connectionId);
        return async () => {
          givenBack.push(connectionId);
        };
      },
    });
    await wa.setBehaviour(waA, { failNext: 1 });
    const refused = input({ number: "5511987650009" });
    expect((await failure(capped.send(refused))).code).toBe("CF_WA_SEND_FAILED");
    expect([taken, givenBack]).toEqual([[waA], [waA]]);
    await wa.setBehaviour(waA, { failNext: 1, failWith: "CF_WA_TIMEOUT" });
    expect((await failure(capped.send(input({ number: "5511987650010" })))).code).toBe(
      "CF_WA_TIMEOUT",
    );
    expect([taken, givenBack]).toEqual([[waA, waA], [waA]]);
  });

  it("unknown, deleted or another company's: CF_WA_UNKNOWN_CONNECTION, nothing claimed", async () => {
    const deleted = await rows.insert("Whatsapps", { name: "Apagada", companyId: companyA });
    // Deleted as the API deletes a connection: the row stays, with deletedAt set.
    await rows.update("Whatsapps", { deletedAt: new Date() }, { id: deleted.id });
    const jobs = [
      input({ whatsappId: 999_999 }),
      input({ whatsappId: deleted.id }),
      input({ whatsappId: waB, companyId: companyA }),
    ];
    for (const job of jobs) {
      const err = await failure(service.send(job));
      expect(err.code).toBe("CF_WA_UNKNOWN_CONNECTION");
      expect(err.kind).toBe("user");
      expect(await ledger(job.idempotencyKey)).toBeNull();
    }
    expect(await wa.sends()).toHaveLength(0);
  });
});

describe("media", () => {
  it("sends a file of the company's folder with the body as caption and records its kind", async () => {
    const result = await service.send(input({ mediaPath: "docs/menu.pdf", body: "Cardápio" }));
    const [sent] = await wa.sends();
    expect(sent?.media).toEqual({
      path: path.join(mediaDir, `company${companyA}`, "docs", "menu.pdf"),
      fileName: "menu.pdf",
      caption: "Cardápio",
    });
    expect(sent?.text).toBeUndefined();
    const message = await rows.findOne("Messages", { id: result.messageId });
    expect(message).toMatchObject({ mediaType: "document", mediaUrl: "docs/menu.pdf" });
    const image = await service.send(input({ mediaPath: "foto.JPG", body: "" }));
    expect(await rows.findOne("Messages", { id: image.messageId })).toMatchObject({
      mediaType: "image",
    });
    expect((await rows.findOne("Tickets", { id: image.ticketId }))?.lastMessage).toBe("foto.JPG");
  });

  it("refuses a path outside the company's folder (CF_MEDIA_OUTSIDE) and a missing file (CF_MEDIA_MISSING)", async () => {
    const secret = path.join(mediaDir, `company${companyB}`, "secret.pdf");
    symlinkSync(secret, path.join(mediaDir, `company${companyA}`, "link.pdf"));
    const cases: [string, string][] = [
      [`../company${companyB}/secret.pdf`, "CF_MEDIA_OUTSIDE"],
      [secret, "CF_MEDIA_OUTSIDE"],
      ["/etc/passwd", "CF_MEDIA_OUTSIDE"],
      ["link.pdf", "CF_MEDIA_OUTSIDE"],
      ["docs/nope.pdf", "CF_MEDIA_MISSING"],
      ["docs", "CF_MEDIA_MISSING"],
    ];
    for (const [mediaPath, code] of cases) {
      const job = input({ mediaPath });
      const err = await failure(service.send(job));
      expect([mediaPath, err.code, err.kind]).toEqual([mediaPath, code, "user"]);
      // The server's folders stay private: only the path as given is quoted.
      if (!mediaPath.startsWith(mediaDir)) expect(err.message).not.toContain(mediaDir);
      expect((await ledger(job.idempotencyKey))?.status).toBe("failed");
    }
    expect(await wa.sends()).toHaveLength(0);
  });
});

describe("the idempotency key", () => {
  it("four concurrent sends with one key make exactly one WhatsApp send, all four report it", async () => {
    await wa.setBehaviour(waA, { latencyMs: 50 });
    const job = input({ number: "5511987650008" });
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => service.send(job)));
    const sent = results.filter(
      (r): r is PromiseFulfilledResult<SendResult> => r.status === "fulfilled",
    );
    expect(await wa.sends()).toHaveLength(1);
    // The three that met the live claim waited for it and report its send: none in doubt.
    expect(sent.map((r) => r.value.alreadySent).sort()).toEqual([false, true, true, true]);
    expect(new Set(sent.map((r) => r.value.wid)).size).toBe(1);
    expect(await service.send(job)).toMatchObject({ alreadySent: true, wid: sent[0]?.value.wid });
  });

  it("used again for another recipient: CF_SEND_KEY_REUSED, nothing sent", async () => {
    const job = input({ number: "5511987650009" });
    await service.send(job);
    const err = await failure(service.send({ ...job, number: "5511987650010" }));
    expect(err.code).toBe("CF_SEND_KEY_REUSED");
    expect(err.kind).toBe("user");
    expect(await wa.sends()).toHaveLength(1);
  });

  it("refuses bad input before claiming anything", async () => {
    const noContent = input({ body: "", mediaPath: null });
    expect((await failure(service.send(noContent))).code).toBe("CF_WA_BAD_MESSAGE");
    const badNumber = input({ number: "abc" });
    expect((await failure(service.send(badNumber))).code).toBe("CF_WA_BAD_RECIPIENT");
    expect(await ledger(noContent.idempotencyKey)).toBeNull();
    expect(await ledger(badNumber.idempotencyKey)).toBeNull();
    await expect(service.send(input({ idempotencyKey: " " }))).rejects.toThrow(TypeError);
  });
});
