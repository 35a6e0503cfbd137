// The ticket crons as flows in a real runtime (real Postgres, Redis, Node-RED, simulated WhatsApp,
// socket.io clients connected as two companies): each job enqueued by hand runs its flow from
// flows/, completes with its counts, changes the database once, sends each message once, and tells
// each company about its own tickets only. The clock is the rows' timestamps: a ticket "idle for
// 3 hours" is written 3 hours old.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRedis, type Redis } from "../../../runtime/adapters/redis";
import { RedisCompanyEvents } from "../../../runtime/adapters/socket";
import { SimulatedWhatsApp } from "../../../runtime/adapters/whatsapp";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";
import { type CompanySocket, companySocketOf } from "../../helpers/socket";
import { TicketWorld } from "../../helpers/tickets";

const FLOWS = [
  "verify-queue-status",
  "distribute-tickets",
  "move-kanban-lanes",
  "close-inactive-tickets",
  "purge-whatsapp-sessions",
];
// The jobs of jobs.yaml with their crons moved to once a year (see the fixture's header).
const MANIFEST = path.resolve(__dirname, "../../fixtures/runtime/tickets/jobs.yaml");

let fixture: string;
let t: TestRuntime;
let w: TicketWorld;
let wa: SimulatedWhatsApp;
let publisher: Redis;
let a: number;
let b: number;
let socketA: CompanySocket;
let socketB: CompanySocket;

async function run(queue: string, job: string): Promise<unknown> {
  const enqueued = await t.runtime.queues.enqueue(queue, job, {});
  return enqueued.finished();
}

/** Connects as the company and waits until its namespace's events arrive. */
function companySocket(companyId: number): Promise<CompanySocket> {
  return companySocketOf(t, companyId, publisher);
}

/**
 * Ticket events a company's socket received, once `count` have come and a marker published after
 * them has arrived too: the runs that emitted them have finished, so anything they emitted was
 * published before the marker and reached the socket first.
 */
async function ticketEvents(socket: CompanySocket, companyId: number, count: number) {
  const name = `company-${companyId}-ticket`;
  if (count > 0) await socket.waitFor(name, count);
  const marker = `company-${companyId}-marker`;
  const markers = socket.received(marker).length;
  new RedisCompanyEvents(publisher, t.config.prefix).emit(companyId, "marker", {});
  await socket.waitFor(marker, markers + 1);
  return socket.received(name) as {
    action: string;
    ticketId: number;
    ticket?: Record<string, unknown>;
  }[];
}

beforeAll(async () => {
  fixture = await mkdtemp(path.join(tmpdir(), "chatia-ticket-flows-"));
  await cp(MANIFEST, path.join(fixture, "jobs.yaml"));
  for (const flow of FLOWS) {
    await cp(
      path.resolve(__dirname, `../../../flows/${flow}.json`),
      path.join(fixture, "flows", `${flow}.json`),
    );
  }
  t = await startTestRuntime(fixture, { editor: false });
  w = new TicketWorld(t.db.sequelize);
  wa = new SimulatedWhatsApp(t.redis.redis, { prefix: `${t.config.prefix}:chatia:` });
  publisher = createRedis(t.redis.url);
  a = await w.company({ greeting: true, kanban: true });
  b = await w.company({ greeting: false, kanban: true });
  socketA = await companySocket(a);
  socketB = await companySocket(b);
}, 90_000);

afterAll(async () => {
  socketA?.close();
  socketB?.close();
  await publisher?.quit();
  await t?.stop();
  if (fixture) await rm(fixture, { recursive: true, force: true });
});

beforeEach(() => {
  socketA.clear();
  socketB.clear();
});

describe("QueueMonitor / VerifyQueueStatus", () => {
  it("moves idle queue-less tickets to the connection's queue once, logs redirect, and tells only their company", async () => {
    const queueA = await w.queue(a);
    const connA = await w.connection(a, { timeSendQueue: 10, sendIdQueue: queueA });
    const idleA = await w.ticket(a, { whatsappId: connA, idleMinutes: 11 });
    const freshA = await w.ticket(a, { whatsappId: connA, idleMinutes: 2 });
    const queueB = await w.queue(b);
    const connB = await w.connection(b, { timeSendQueue: 5, sendIdQueue: queueB });
    const idleB = await w.ticket(b, { whatsappId: connB, idleMinutes: 6 });
    // B's connection pointing at A's queue moves nothing.
    const foreign = await w.connection(b, { timeSendQueue: 1, sendIdQueue: queueA });
    const strandedB = await w.ticket(b, { whatsappId: foreign, idleMinutes: 60 });

    await expect(run("QueueMonitor", "VerifyQueueStatus")).resolves.toEqual({ moved: 2 });
    await expect(run("QueueMonitor", "VerifyQueueStatus")).resolves.toEqual({ moved: 0 });

    const rows = await w.rows<{ id: number; queueId: number | null }>(
      `SELECT id, "queueId" FROM "Tickets" WHERE id = ANY($1) ORDER BY id`,
      [[idleA, freshA, idleB, strandedB]],
    );
    expect(rows).toEqual([
      { id: idleA, queueId: queueA },
      { id: freshA, queueId: null },
      { id: idleB, queueId: queueB },
      { id: strandedB, queueId: null },
    ]);
    const logs = await w.rows(
      `SELECT "ticketId", type, "queueId" FROM "LogTickets" WHERE "ticketId" = ANY($1) ORDER BY "ticketId"`,
      [[idleA, idleB, strandedB]],
    );
    expect(logs).toEqual([
      { ticketId: idleA, type: "redirect", queueId: queueA },
      { ticketId: idleB, type: "redirect", queueId: queueB },
    ]);
    const [eventA] = await ticketEvents(socketA, a, 1);
    expect(eventA).toMatchObject({
      action: "update",
      ticketId: idleA,
      ticket: { id: idleA, queueId: queueA },
    });
    expect(socketA.received(`company-${a}-ticket`)).toHaveLength(1);
    expect(await ticketEvents(socketB, b, 1)).toEqual([
      expect.objectContaining({ action: "update", ticketId: idleB }),
    ]);
    expect(socketA.names().filter((n) => n.startsWith(`company-${b}`))).toEqual([]);
  });
});

describe("TicketRouter / DistributeTickets", () => {
  it("gives pending tickets to the online user-profile attendant only, greets once, and reassigns after tempoRoteador", async () => {
    const q = await w.queue(a, { routed: true, tempoRoteador: 5 });
    const conn = await w.connection(a);
    const online = await w.user(a, { queues: [q], name: "Online" });
    await w.user(a, { queues: [q], profile: "admin" });
    for (let i = 0; i < 3; i++) await w.user(a, { queues: [q], online: false });
    const fresh = [];
    for (let i = 0; i < 4; i++) fresh.push(await w.ticket(a, { queueId: q, whatsappId: conn }));
    const other = await w.user(a, { queues: [q], name: "Other" });
    const idle = await w.ticket(a, { queueId: q, whatsappId: conn, userId: other, idleMinutes: 6 });

    const first = (await run("TicketRouter", "DistributeTickets")) as {
      assigned: number;
      reassigned: number;
    };
    expect(first.reassigned).toBe(1);
    // The four new ones go to one of the two online users, never the admin or the offline ones.
    expect(first.assigned).toBe(4);
    const rows = await w.rows<{ id: number; userId: number }>(
      `SELECT id, "userId" FROM "Tickets" WHERE id = ANY($1) ORDER BY id`,
      [[...fresh, idle]],
    );
    for (const row of rows.slice(0, 4)) expect([online, other]).toContain(row.userId);
    expect(rows[4]).toEqual({ id: idle, userId: online });

    await expect(run("TicketRouter", "DistributeTickets")).resolves.toEqual({
      assigned: 0,
      reassigned: 0,
    });
    const sends = await wa.sends({ connectionId: conn });
    expect(sends).toHaveLength(5);
    expect(sends.every((s) => s.text?.startsWith("\u200e *Assistente Virtual*:\nAguarde"))).toBe(
      true,
    );
    const events = await ticketEvents(socketA, a, 5);
    expect(events.map((e) => e.ticketId).sort()).toEqual([...fresh, idle].sort());
  });

  it("greets nobody when the company setting is off", async () => {
    const q = await w.queue(b, { routed: true, tempoRoteador: 5 });
    const conn = await w.connection(b);
    const user = await w.user(b, { queues: [q] });
    const ticket = await w.ticket(b, { queueId: q, whatsappId: conn });
    await expect(run("TicketRouter", "DistributeTickets")).resolves.toEqual({
      assigned: 1,
      reassigned: 0,
    });
    const [row] = await w.rows<{ userId: number }>(`SELECT "userId" FROM "Tickets" WHERE id = $1`, [
      ticket,
    ]);
    expect(row?.userId).toBe(user);
    expect(await wa.sends({ connectionId: conn })).toEqual([]);
  });
});

describe("KanbanMonitor / MoveKanbanLanes", () => {
  it("moves a ticket past its lane's timeLane to the next lane once and sends that lane's greeting", async () => {
    const { connection: conn, next, ticket: due } = await w.dueForNextLane(a);

    await expect(run("KanbanMonitor", "MoveKanbanLanes")).resolves.toEqual({
      moved: 1,
      greetings: 1,
      failed: 0,
    });
    await expect(run("KanbanMonitor", "MoveKanbanLanes")).resolves.toEqual({
      moved: 0,
      greetings: 0,
      failed: 0,
    });
    const tags = await w.rows(`SELECT "tagId" FROM "TicketTags" WHERE "ticketId" = $1`, [due]);
    expect(tags).toEqual([{ tagId: next }]);
    const sends = await wa.sends({ connectionId: conn });
    expect(sends.map((s) => s.text)).toEqual(["\u200e João, sua proposta está pronta"]);
  });
});

describe("TicketMonitor / CloseInactiveTickets", () => {
  it("closes inactive tickets with one farewell each and takes them off their company's board", async () => {
    const connA = await w.connection(a, {
      expiresTicket: 1,
      farewell: "{{ms}}, {{firstName}}! Encerramos por inatividade.",
    });
    const idleA = await w.ticket(a, {
      status: "open",
      whatsappId: connA,
      idleMinutes: 61,
      contactName: "Ana Lima",
    });
    const groupA = await w.ticket(a, {
      status: "open",
      whatsappId: connA,
      idleMinutes: 600,
      isGroup: true,
    });
    const connB = await w.connection(b, { expiresTicket: 3 });
    const freshB = await w.ticket(b, { status: "open", whatsappId: connB, idleMinutes: 120 });

    await expect(run("TicketMonitor", "CloseInactiveTickets")).resolves.toEqual({
      closed: 1,
      farewells: 1,
      failed: 0,
    });
    await expect(run("TicketMonitor", "CloseInactiveTickets")).resolves.toEqual({
      closed: 0,
      farewells: 0,
      failed: 0,
    });

    const rows = await w.rows(
      `SELECT id, status, "unreadMessages", "closedAt" IS NOT NULL AS closed FROM "Tickets" WHERE id = ANY($1) ORDER BY id`,
      [[idleA, groupA, freshB]],
    );
    expect(rows).toEqual([
      { id: idleA, status: "closed", unreadMessages: 0, closed: true },
      { id: groupA, status: "open", unreadMessages: 3, closed: false },
      { id: freshB, status: "open", unreadMessages: 3, closed: false },
    ]);
    const sends = await wa.sends({ connectionId: connA });
    expect(sends).toHaveLength(1);
    expect(sends[0]?.text).toMatch(
      /^\u200e (Bom dia|Boa tarde|Boa noite), Ana! Encerramos por inatividade\.$/,
    );
    const recorded = await w.rows(`SELECT "ticketId" FROM "Messages" WHERE "ticketId" = $1`, [
      idleA,
    ]);
    expect(recorded).toHaveLength(1);
    expect(await ticketEvents(socketA, a, 1)).toEqual([{ action: "delete", ticketId: idleA }]);
    expect(await ticketEvents(socketB, b, 0)).toEqual([]);
  });
});

describe("SessionMonitor / PurgeWhatsappSessions", () => {
  it("deletes the auth state of deleted and long logged-out connections only", async () => {
    const keep = await w.connection(a, { status: "CONNECTED", updatedDaysAgo: 100 });
    const gone = await w.connection(a, { deleted: true, status: "DISCONNECTED" });
    const old = await w.connection(b, { status: "DISCONNECTED", updatedDaysAgo: 31 });
    for (const [id, company] of [
      [keep, a],
      [gone, a],
      [old, b],
    ] as const) {
      await t.db.sequelize.query(
        `INSERT INTO "WhatsappSessions" ("whatsappId", "companyId", creds) VALUES ($1, $2, '{}')`,
        { bind: [id, company] },
      );
    }
    await expect(run("SessionMonitor", "PurgeWhatsappSessions")).resolves.toEqual({ purged: 2 });
    const left = await w.rows(`SELECT "whatsappId" FROM "WhatsappSessions" ORDER BY 1`);
    expect(left).toEqual([{ whatsappId: keep }]);
  });
});
