// TicketOpsService, TicketMessageService and SessionService against a real Postgres (and Redis for
// the simulated WhatsApp driver): the ticket crons' steps, set-based, once each, per company.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db/migrator";
import { SequelizeBoardStore } from "../../../runtime/adapters/db/repositories/board-store";
import { SequelizeMessageStore } from "../../../runtime/adapters/db/repositories/message-store";
import { SequelizeTicketOpsStore } from "../../../runtime/adapters/db/repositories/ticket-ops-store";
import { SequelizeTicketStore } from "../../../runtime/adapters/db/repositories/ticket-store";
import { SequelizeWhatsappSessionStore } from "../../../runtime/adapters/db/repositories/whatsapp-session-store";
import { SimulatedWhatsApp } from "../../../runtime/adapters/whatsapp";
import { MessageService } from "../../../runtime/services/message.service";
import type { CompanyEvents } from "../../../runtime/services/ports/events";
import { SessionService } from "../../../runtime/services/session.service";
import { TicketService } from "../../../runtime/services/ticket.service";
import { TicketMessageService } from "../../../runtime/services/ticket-messages.service";
import { TicketOpsService } from "../../../runtime/services/ticket-ops.service";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { createTestRedis, type TestRedis } from "../../helpers/redis";
import { TicketWorld } from "../../helpers/tickets";

interface Emitted {
  companyId: number;
  topic: string;
  payload: { action: string; ticketId: number; ticket?: Record<string, unknown> };
}

/** Keeps what would go to each company's frontend, as JSON, in order. */
class RecordedEvents implements CompanyEvents {
  readonly emitted: Emitted[] = [];
  emit(companyId: number, topic: string, payload: unknown): void {
    this.emitted.push({ companyId, topic, payload: JSON.parse(JSON.stringify(payload)) });
  }
}

let db: TestDatabase;
let w: TicketWorld;
let redis: TestRedis;
let events: RecordedEvents;
let ops: TicketOpsService;
let wa: SimulatedWhatsApp;
let messenger: TicketMessageService;
const now = () => new Date();

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  w = new TicketWorld(db.sequelize);
}, 60_000);
afterAll(async () => {
  await db?.drop();
});
beforeEach(() => {
  events = new RecordedEvents();
  const store = new SequelizeTicketOpsStore(db.sequelize);
  ops = new TicketOpsService({
    tickets: store,
    board: new SequelizeBoardStore(db.sequelize),
    events,
  });
  redis = createTestRedis();
  wa = new SimulatedWhatsApp(redis.redis, { prefix: redis.prefix });
  const messages = new MessageService({
    store: new SequelizeMessageStore(db.sequelize),
    gateway: wa,
    mediaDir: "/nonexistent",
  });
  messenger = new TicketMessageService({
    store,
    messages,
    tickets: new TicketService(new SequelizeTicketStore(db.sequelize)),
  });
});
afterEach(async () => {
  await redis.cleanup();
});

/** VerifyQueueStatus as its flow composes it. */
async function redirectIdle(companyIds: number[]) {
  const found = await ops.findTickets(
    {
      companyIds,
      status: "pending",
      queue: "none",
      connected: true,
      idle: { kind: "connectionTimeSendQueue" },
    },
    now(),
  );
  const moved = await ops.updateTickets(found, { queue: "redirect" }, now());
  await ops.logTickets(moved, "redirect", now());
  return moved;
}

describe("VerifyQueueStatus steps", () => {
  it("moves pending queue-less tickets idle past timeSendQueue to sendIdQueue once, logged and emitted", async () => {
    const a = await w.company();
    const target = await w.queue(a);
    const conn = await w.connection(a, { timeSendQueue: 10, sendIdQueue: target });
    const off = await w.connection(a, {
      status: "DISCONNECTED",
      timeSendQueue: 10,
      sendIdQueue: target,
    });
    const idle = await w.ticket(a, { whatsappId: conn, idleMinutes: 11 });
    const fresh = await w.ticket(a, { whatsappId: conn, idleMinutes: 5 });
    const onOff = await w.ticket(a, { whatsappId: off, idleMinutes: 60 });

    const moved = await redirectIdle([a]);
    expect(moved.map((t) => t.id)).toEqual([idle]);
    expect(await redirectIdle([a])).toEqual([]);

    const rows = await w.rows<{ id: number; queueId: number | null }>(
      `SELECT id, "queueId" FROM "Tickets" WHERE id = ANY($1) ORDER BY id`,
      [[idle, fresh, onOff]],
    );
    expect(rows).toEqual([
      { id: idle, queueId: target },
      { id: fresh, queueId: null },
      { id: onOff, queueId: null },
    ]);
    const logs = await w.rows(
      `SELECT type, "queueId", "userId" FROM "LogTickets" WHERE "ticketId" = $1`,
      [idle],
    );
    expect(logs).toEqual([{ type: "redirect", queueId: target, userId: null }]);
    expect(events.emitted).toHaveLength(1);
    const [event] = events.emitted;
    expect(event).toMatchObject({
      companyId: a,
      topic: "ticket",
      payload: { action: "update", ticketId: idle },
    });
    expect(event?.payload.ticket).toMatchObject({
      id: idle,
      queueId: target,
      queue: { id: target },
      whatsapp: { id: conn },
      contact: { companyId: a },
    });
  });

  it("never moves a ticket to another company's queue", async () => {
    const a = await w.company();
    const b = await w.company();
    const queueOfA = await w.queue(a);
    const connOfB = await w.connection(b, { timeSendQueue: 1, sendIdQueue: queueOfA });
    const ticketOfB = await w.ticket(b, { whatsappId: connOfB, idleMinutes: 30 });
    expect(await redirectIdle([a, b])).toEqual([]);
    const [row] = await w.rows<{ queueId: number | null }>(
      `SELECT "queueId" FROM "Tickets" WHERE id = $1`,
      [ticketOfB],
    );
    expect(row?.queueId).toBeNull();
  });

  it("two overlapping runs over the same found set change each ticket once", async () => {
    const a = await w.company();
    const target = await w.queue(a);
    const conn = await w.connection(a, { timeSendQueue: 1, sendIdQueue: target });
    for (let i = 0; i < 20; i++) await w.ticket(a, { whatsappId: conn, idleMinutes: 5 });
    const criteria = {
      companyIds: [a],
      status: "pending",
      queue: "none",
      connected: true,
      idle: { kind: "connectionTimeSendQueue" },
    } as const;
    const [first, second] = await Promise.all([
      ops.findTickets(criteria, now()),
      ops.findTickets(criteria, now()),
    ]);
    const [x, y] = await Promise.all([
      ops.updateTickets(first ?? [], { queue: "redirect" }, now()),
      ops.updateTickets(second ?? [], { queue: "redirect" }, now()),
    ]);
    expect(x.length + y.length).toBe(20);
    expect(events.emitted).toHaveLength(20);
  });
});

describe("DistributeTickets steps", () => {
  it("assigns every unassigned ticket to an online attendant of profile user, never an admin or an offline one", async () => {
    const a = await w.company();
    const q = await w.queue(a, { routed: true, tempoRoteador: 5 });
    const online = await w.user(a, { queues: [q] });
    await w.user(a, { queues: [q], profile: "admin" });
    for (let i = 0; i < 3; i++) await w.user(a, { queues: [q], online: false });
    const tickets = [];
    for (let i = 0; i < 10; i++) tickets.push(await w.ticket(a, { queueId: q }));

    const found = await ops.findTickets(
      { companyIds: [a], status: "pending", queue: "routed", user: "without" },
      now(),
    );
    const picked = await ops.pickAttendants(found);
    const updated = await ops.updateTickets(picked, { user: "picked" }, now());
    expect(updated).toHaveLength(10);
    const users = await w.rows<{ userId: number; status: string }>(
      `SELECT "userId", status FROM "Tickets" WHERE id = ANY($1)`,
      [tickets],
    );
    expect(users.every((u) => u.userId === online && u.status === "pending")).toBe(true);
  });

  it("reassigns a ticket idle past tempoRoteador to another online attendant, and leaves fresh ones", async () => {
    const a = await w.company();
    const q = await w.queue(a, { routed: true, tempoRoteador: 5 });
    const first = await w.user(a, { queues: [q] });
    const second = await w.user(a, { queues: [q] });
    const idle = await w.ticket(a, { queueId: q, userId: first, idleMinutes: 6 });
    const fresh = await w.ticket(a, { queueId: q, userId: first, idleMinutes: 2 });

    const found = await ops.findTickets(
      {
        companyIds: [a],
        status: "pending",
        queue: "routed",
        user: "with",
        idle: { kind: "queueTempoRoteador" },
      },
      now(),
    );
    expect(found.map((t) => t.id)).toEqual([idle]);
    const changed = await ops.updateTickets(
      await ops.pickAttendants(found),
      { user: "picked" },
      now(),
    );
    expect(changed.map((t) => [t.id, t.userId, t.previousUserId])).toEqual([[idle, second, first]]);
    const [row] = await w.rows<{ userId: number }>(`SELECT "userId" FROM "Tickets" WHERE id = $1`, [
      fresh,
    ]);
    expect(row?.userId).toBe(first);
  });

  it("keeps a ticket whose attendant is the only eligible one", async () => {
    const a = await w.company();
    const q = await w.queue(a, { routed: true, tempoRoteador: 5 });
    const only = await w.user(a, { queues: [q] });
    await w.ticket(a, { queueId: q, userId: only, idleMinutes: 60 });
    const found = await ops.findTickets(
      {
        companyIds: [a],
        status: "pending",
        queue: "routed",
        user: "with",
        idle: { kind: "queueTempoRoteador" },
      },
      now(),
    );
    expect(found).toHaveLength(1);
    expect(await ops.pickAttendants(found)).toEqual([]);
  });

  it("finds the attendants of a queue by online state and profile", async () => {
    const a = await w.company();
    const q = await w.queue(a);
    const on = await w.user(a, { queues: [q] });
    await w.user(a, { queues: [q], online: false });
    await w.user(a, { queues: [q], profile: "admin" });
    await w.user(a);
    const found = await ops.findAttendants({
      companyId: a,
      queueId: q,
      online: true,
      profile: "user",
    });
    expect(found.map((u) => u.id)).toEqual([on]);
  });
});

describe("MoveKanbanLanes steps", () => {
  it("moves tickets whose lane time passed to the next lane once, only in kanban companies", async () => {
    const a = await w.company({ kanban: true });
    const noKanban = await w.company({ kanban: false });
    const next = await w.lane(a, { greeting: "{{firstName}}, seguimos com você" });
    const lane = await w.lane(a, { timeLane: 2, nextLaneId: next });
    const due = await w.ticket(a, { status: "open", fromMe: true, idleMinutes: 180 });
    const recent = await w.ticket(a, { status: "open", fromMe: true, idleMinutes: 60 });
    const theirs = await w.ticket(a, { status: "open", fromMe: false, idleMinutes: 180 });
    await w.tag(due, lane, 180);
    await w.tag(recent, lane, 60);
    await w.tag(theirs, lane, 180);
    const otherNext = await w.lane(noKanban);
    const otherLane = await w.lane(noKanban, { timeLane: 1, nextLaneId: otherNext });
    const other = await w.ticket(noKanban, { status: "open", fromMe: true, idleMinutes: 180 });
    await w.tag(other, otherLane, 180);

    const companies = await ops.findCompanies({ active: true, feature: "useKanban" });
    expect(companies.map((c) => c.id)).toContain(a);
    expect(companies.map((c) => c.id)).not.toContain(noKanban);
    const moved = await ops.moveLanes(
      companies.map((c) => c.id),
      now(),
    );
    expect(moved.map((m) => [m.ticketId, m.fromTagId, m.toTagId, m.greeting])).toEqual([
      [due, lane, next, "{{firstName}}, seguimos com você"],
    ]);
    expect(
      await ops.moveLanes(
        companies.map((c) => c.id),
        now(),
      ),
    ).toEqual([]);
    const tags = await w.rows<{ ticketId: number; tagId: number }>(
      `SELECT "ticketId", "tagId" FROM "TicketTags" WHERE "ticketId" = ANY($1) ORDER BY "ticketId"`,
      [[due, recent, theirs, other]],
    );
    expect(tags).toEqual([
      { ticketId: due, tagId: next },
      { ticketId: recent, tagId: lane },
      { ticketId: theirs, tagId: lane },
      { ticketId: other, tagId: otherLane },
    ]);
  });
});

describe("MoveKanbanLanes timing", () => {
  it("counts the next lane's time from the move, so a long-idle ticket moves one lane per period", async () => {
    const a = await w.company({ kanban: true });
    const third = await w.lane(a);
    const second = await w.lane(a, { timeLane: 2, nextLaneId: third });
    const first = await w.lane(a, { timeLane: 2, nextLaneId: second });
    const ticket = await w.ticket(a, { status: "open", fromMe: true, idleMinutes: 600 });
    await w.tag(ticket, first, 600);

    expect((await ops.moveLanes([a], now())).map((m) => m.toTagId)).toEqual([second]);
    // The original compared the ticket's updatedAt only: 10 hours, so on to the third lane now.
    expect(await ops.moveLanes([a], now())).toEqual([]);
    const inTwoHours = new Date(Date.now() + 121 * 60_000);
    expect((await ops.moveLanes([a], inTwoHours)).map((m) => m.toTagId)).toEqual([third]);
  });
});

describe("CloseInactiveTickets steps", () => {
  it("closes idle open non-group tickets, says farewell once on the closed ticket, and emits delete", async () => {
    const a = await w.company();
    const conn = await w.connection(a, { expiresTicket: 2, farewell: "Até logo, {{firstName}}!" });
    const idle = await w.ticket(a, {
      status: "open",
      whatsappId: conn,
      idleMinutes: 121,
      contactName: "Maria Silva",
    });
    const group = await w.ticket(a, {
      status: "open",
      whatsappId: conn,
      idleMinutes: 500,
      isGroup: true,
    });
    const fresh = await w.ticket(a, { status: "open", whatsappId: conn, idleMinutes: 60 });

    const found = await ops.findTickets(
      {
        companyIds: [a],
        status: "open",
        groups: false,
        connected: true,
        idle: { kind: "connectionExpiresTicket" },
      },
      now(),
    );
    const closed = await ops.updateTickets(found, { close: true, emit: "delete" }, now());
    expect(closed.map((t) => t.id)).toEqual([idle]);
    expect(events.emitted).toEqual([
      { companyId: a, topic: "ticket", payload: { action: "delete", ticketId: idle } },
    ]);

    const farewells = closed.map((t) => ({ ticketId: t.id, text: t.farewell, version: t.stamp }));
    const first = await messenger.send(farewells, { kind: "farewell" }, now());
    expect(first.failed).toEqual([]);
    const again = await messenger.send(farewells, { kind: "farewell" }, now());
    expect(first.sent).toEqual([expect.objectContaining({ ticketId: idle, alreadySent: false })]);
    expect(again.sent).toEqual([expect.objectContaining({ ticketId: idle, alreadySent: true })]);
    const sends = await wa.sends({ connectionId: conn });
    expect(sends.map((s) => s.text)).toEqual(["\u200e Até logo, Maria!"]);

    const rows = await w.rows<{
      id: number;
      status: string;
      unreadMessages: number;
      closed: boolean;
    }>(
      `SELECT id, status, "unreadMessages", "closedAt" IS NOT NULL AS closed FROM "Tickets"
        WHERE "companyId" = $1 ORDER BY id`,
      [a],
    );
    expect(rows).toEqual([
      { id: idle, status: "closed", unreadMessages: 0, closed: true },
      { id: group, status: "open", unreadMessages: 3, closed: false },
      { id: fresh, status: "open", unreadMessages: 3, closed: false },
    ]);
    const messages = await w.rows(
      `SELECT "ticketId", body FROM "Messages" WHERE "companyId" = $1`,
      [a],
    );
    expect(messages).toEqual([{ ticketId: idle, body: "\u200e Até logo, Maria!" }]);
  });

  it("sends a greeting only to companies whose setting is enabled", async () => {
    const on = await w.company({ greeting: true });
    const off = await w.company({ greeting: false });
    const ticketOn = await w.ticket(on, { whatsappId: await w.connection(on) });
    const ticketOff = await w.ticket(off, { whatsappId: await w.connection(off) });
    const result = await messenger.send(
      [
        { ticketId: ticketOn, text: "*Assistente Virtual*:\nAguarde", version: "1" },
        { ticketId: ticketOff, text: "*Assistente Virtual*:\nAguarde", version: "1" },
      ],
      { kind: "greeting", onlyIfSetting: "sendGreetingMessageOneQueues" },
      now(),
    );
    expect(result.sent.map((s) => s.ticketId)).toEqual([ticketOn]);
    expect(result.skipped).toBe(1);
  });
});

describe("PurgeWhatsappSessions", () => {
  it("deletes stored auth state of deleted connections and of ones logged out too long, nothing else", async () => {
    const a = await w.company();
    const live = await w.connection(a, { status: "CONNECTED", updatedDaysAgo: 90 });
    const deleted = await w.connection(a, { status: "DISCONNECTED", deleted: true });
    const longOut = await w.connection(a, { status: "DISCONNECTED", updatedDaysAgo: 40 });
    const recentOut = await w.connection(a, { status: "DISCONNECTED", updatedDaysAgo: 3 });
    for (const id of [live, deleted, longOut, recentOut]) {
      await db.sequelize.query(
        `INSERT INTO "WhatsappSessions" ("whatsappId", "companyId", creds) VALUES ($1, $2, '{}')`,
        { bind: [id, a] },
      );
      await db.sequelize.query(
        `INSERT INTO "WhatsappSessionKeys" ("whatsappId", type, "keyId", value) VALUES ($1, 'pre-key', '1', '{}')`,
        { bind: [id] },
      );
    }
    const service = new SessionService(new SequelizeWhatsappSessionStore(db.sequelize));
    expect(await service.purge(now(), { loggedOutDays: 30 })).toEqual({ deleted: 2 });
    const left = await w.rows<{ whatsappId: number }>(
      `SELECT "whatsappId" FROM "WhatsappSessionKeys" WHERE "whatsappId" = ANY($1) ORDER BY 1`,
      [[live, deleted, longOut, recentOut]],
    );
    expect(left.map((r) => r.whatsappId)).toEqual([live, recentOut]);
    expect(await service.purge(now(), { loggedOutDays: 30 })).toEqual({ deleted: 0 });
  });
});
