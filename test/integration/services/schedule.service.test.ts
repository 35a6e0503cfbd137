// ScheduleService against a real Postgres and Redis (simulated WhatsApp driver, real
// MessageService). The send queue is a recording stand-in that, like Bull, keeps the first job
// of an id; test/integration/runtime/schedule-flows.test.ts checks the same with real Bull.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db/migrator";
import {
  SequelizeMessageStore,
  SequelizeScheduleStore,
} from "../../../runtime/adapters/db/repositories";
import { SequelizeTicketStore } from "../../../runtime/adapters/db/repositories/ticket-store";
import { SimulatedWhatsApp } from "../../../runtime/adapters/whatsapp";
import { ChatiaError } from "../../../runtime/errors";
import { MessageService } from "../../../runtime/services/message.service";
import type { ScheduleStore } from "../../../runtime/services/ports/schedule-store";
import {
  type ScheduleQueue,
  ScheduleService,
  type SendScheduledData,
} from "../../../runtime/services/schedule.service";
import { TicketService } from "../../../runtime/services/ticket.service";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { createTestRedis, type TestRedis } from "../../helpers/redis";
import { type RowValues, type TestRows, testRows } from "../../helpers/rows";

const MIN = 60_000;
/** A Verify run at second :00. */
const NOW = new Date("2027-03-10T12:00:00.000Z");

let db: TestDatabase;
let rows: TestRows;
let companyId: number;
let whatsappId: number;
let contactId: number;
let userId: number;
let t: TestRedis;
let wa: SimulatedWhatsApp;
let store: ScheduleStore;
let jobs: Map<string, { data: SendScheduledData; delayMs: number }>;
/** Jobs that failed for good, with their failedReason. */
let failedJobs: Map<string, string>;
let service: ScheduleService;
let tickets: TicketService;

const recordingQueue = (): ScheduleQueue => ({
  async enqueueSends(added) {
    for (const { data, jobId, delayMs } of added) {
      if (!jobs.has(jobId)) jobs.set(jobId, { data, delayMs });
    }
  },
  async jobState(jobId) {
    const reason = failedJobs.get(jobId);
    if (reason !== undefined) return { state: "failed", reason };
    return jobs.has(jobId) ? { state: "present" } : { state: "missing" };
  },
});

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  rows = testRows(db.sequelize);
  companyId = (await rows.insert("Companies", { name: "Empresa" })).id;
  whatsappId = (
    await rows.insert("Whatsapps", { name: "W", companyId, status: "CONNECTED", isDefault: true })
  ).id;
  contactId = (
    await rows.insert("Contacts", { name: "Maria Silva", number: "5511987650001", companyId })
  ).id;
  userId = (
    await rows.insert("Users", {
      name: "Ana Souza",
      email: "ana@example.com",
      passwordHash: "x",
      companyId,
    })
  ).id;
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

beforeEach(async () => {
  await rows.remove("Schedules", {});
  await rows.update("Tickets", { status: "closed" }, {});
  t = createTestRedis();
  wa = new SimulatedWhatsApp(t.redis, { prefix: t.prefix });
  store = new SequelizeScheduleStore(db.sequelize);
  jobs = new Map();
  failedJobs = new Map();
  tickets = new TicketService(new SequelizeTicketStore(db.sequelize));
  const messages = new MessageService({
    store: new SequelizeMessageStore(db.sequelize),
    gateway: wa,
    mediaDir: "/nonexistent",
  });
  service = new ScheduleService({ store, queue: recordingQueue(), messages, tickets });
});

afterEach(async () => {
  await t.cleanup();
});

function schedule(sendAt: Date, fields: RowValues = {}) {
  const values = { body: "Lembrete", sendAt, contactId, companyId, ...fields };
  return rows.insert<{ sendAt: Date }>("Schedules", values);
}

async function statusOf(id: number) {
  return rows.get<{ sendAt: Date }>("Schedules", { id });
}

describe("ScheduleService.dueSchedules and markScheduled (Verify)", () => {
  it("takes a schedule due at :45 at the :00 run (the original's [now, now+30 s] missed it) and delays it to its sendAt", async () => {
    const at45 = await schedule(new Date(NOW.getTime() + 45_000));
    const { due } = await service.dueSchedules(NOW);
    expect(due.map((s) => s.id)).toEqual([at45.id]);

    for (const s of due) await service.markScheduled(s, NOW);
    const jobId = `schedule-${at45.id}-${NOW.getTime() + 45_000}`;
    expect([...jobs]).toEqual([
      [
        jobId,
        { data: { scheduleId: at45.id, sendAt: "2027-03-10T12:00:45.000Z" }, delayMs: 45_000 },
      ],
    ]);
    expect((await statusOf(at45.id)).status).toBe("AGENDADA");
  });

  it("sends one overdue by 10 minutes (after downtime) at once; one older than the staleness limit becomes ERRO", async () => {
    const late = await schedule(new Date(NOW.getTime() - 10 * MIN));
    const stale = await schedule(new Date(NOW.getTime() - 25 * 60 * MIN));
    const later = await schedule(new Date(NOW.getTime() + 2 * MIN)); // next run's

    const { due, stale: staled } = await service.dueSchedules(NOW);
    expect(due.map((s) => s.id)).toEqual([late.id]);
    expect(staled).toEqual([
      expect.objectContaining({
        id: stale.id,
        reason: expect.stringMatching(/^stale: due at .* not sent within 1440 min$/),
      }),
    ]);
    expect((await statusOf(stale.id)).status).toBe("ERRO");
    expect((await statusOf(stale.id)).errorReason).toMatch(
      /^stale: due at 2027-03-09T11:00:00\.000Z and not sent within 1440 min$/,
    );
    expect((await statusOf(later.id)).status).toBe("PENDENTE");

    await service.markScheduled(due[0] as (typeof due)[0], NOW);
    expect([...jobs.values()][0]?.delayMs).toBe(0);
  });

  it("enqueues before marking: a crash in between leaves it PENDENTE and the next run enqueues the same job id", async () => {
    const s = await schedule(new Date(NOW.getTime() + 30_000));
    const crashing: ScheduleStore = Object.create(store);
    crashing.markAllScheduled = async () => {
      throw new Error("crash after enqueue");
    };
    const first = new ScheduleService({
      store: crashing,
      queue: recordingQueue(),
      messages: { send: () => Promise.reject(new Error("unused")) },
      tickets,
    });
    const [occurrence] = (await first.dueSchedules(NOW)).due;
    await expect(
      first.markScheduled(occurrence as NonNullable<typeof occurrence>, NOW),
    ).rejects.toThrow("crash");
    expect((await statusOf(s.id)).status).toBe("PENDENTE");

    const again = (await service.dueSchedules(new Date(NOW.getTime() + 5_000))).due;
    for (const o of again) await service.markScheduled(o, new Date(NOW.getTime() + 5_000));
    expect([...jobs.keys()]).toEqual([`schedule-${s.id}-${NOW.getTime() + 30_000}`]);
    expect((await statusOf(s.id)).status).toBe("AGENDADA");
  });

  it("re-enqueues an AGENDADA schedule over 10 minutes overdue whose job is gone, not one whose job exists", async () => {
    const lost = await schedule(new Date(NOW.getTime() - 15 * MIN), { status: "AGENDADA" });
    const kept = await schedule(new Date(NOW.getTime() - 20 * MIN), { status: "AGENDADA" });
    await schedule(new Date(NOW.getTime() - 5 * MIN), { status: "AGENDADA" }); // its job may be delayed: left alone
    jobs.set(`schedule-${kept.id}-${kept.sendAt.getTime()}`, {
      data: { scheduleId: kept.id, sendAt: kept.sendAt.toISOString() },
      delayMs: 0,
    });
    const { due } = await service.dueSchedules(NOW);
    expect(due.map((s) => [s.id, s.status])).toEqual([[lost.id, "AGENDADA"]]);
    await service.markScheduled(due[0] as (typeof due)[0], NOW);
    expect(jobs.has(`schedule-${lost.id}-${lost.sendAt.getTime()}`)).toBe(true);
  });
});

describe("ScheduleService.dueSchedules: send jobs that failed for good", () => {
  it("sets an AGENDADA schedule whose job failed for good to ERRO with the job's reason, once", async () => {
    const s = await schedule(new Date(NOW.getTime() - 15 * MIN), { status: "AGENDADA" });
    failedJobs.set(`schedule-${s.id}-${s.sendAt.getTime()}`, "CF_JOB_TIMEOUT: no verdict in 30 s");
    const { due, failed } = await service.dueSchedules(NOW);
    expect(due).toEqual([]);
    expect(failed).toEqual([
      expect.objectContaining({
        id: s.id,
        status: "ERRO",
        reason: "CF_JOB_TIMEOUT: no verdict in 30 s",
      }),
    ]);
    const row = await statusOf(s.id);
    expect([row.status, row.errorReason]).toEqual(["ERRO", "CF_JOB_TIMEOUT: no verdict in 30 s"]);
    expect((await service.dueSchedules(NOW)).failed).toEqual([]);
  });
});

describe("ScheduleService.sendScheduled (SendMessage)", () => {
  async function scheduled(sendAt: Date, fields: Parameters<typeof schedule>[1] = {}) {
    const s = await schedule(sendAt, { status: "AGENDADA", ...fields });
    return { s, data: { scheduleId: s.id, sendAt: sendAt.toISOString() } };
  }

  it("sends an occurrence whose job started before Verify marked it AGENDADA, and the late mark changes nothing", async () => {
    // Verify enqueues, then marks: a job due at once can run in another worker in between.
    const s = await schedule(NOW, { status: "PENDENTE", body: "Já devido" });
    const data = { scheduleId: s.id, sendAt: NOW.toISOString() };
    await expect(service.sendScheduled(data)).resolves.toMatchObject({
      sent: true,
      status: "ENVIADA",
    });
    await store.markAllScheduled([{ id: s.id, sendAt: NOW }], new Date());
    const row = await statusOf(s.id);
    expect(row.status).toBe("ENVIADA");
    expect(await wa.sends()).toHaveLength(1);
  });

  it("sends a signed message with the U+200E prefix once, however often the job is retried, then ENVIADA", async () => {
    const { s, data } = await scheduled(NOW, {
      assinar: true,
      userId,
      body: "Sua consulta é amanhã",
    });
    const first = await service.sendScheduled(data);
    expect(first).toMatchObject({ sent: true, alreadySent: false, status: "ENVIADA" });
    // A retry of the same occurrence (the job ran again): the schedule is no longer AGENDADA.
    await expect(service.sendScheduled(data)).resolves.toEqual({
      scheduleId: s.id,
      sent: false,
      reason: "obsolete",
    });
    // Even if its status had not moved on (crash before the update), the ledger stops a resend.
    await rows.update("Schedules", { status: "AGENDADA", sentAt: null }, { id: s.id });
    await expect(service.sendScheduled(data)).resolves.toMatchObject({ alreadySent: true });

    const sends = await wa.sends();
    expect(sends).toHaveLength(1);
    expect(sends[0]).toMatchObject({
      connectionId: whatsappId,
      jid: "5511987650001@s.whatsapp.net",
      text: "\u200e *Ana Souza:*\nSua consulta é amanhã",
    });
    const row = await statusOf(s.id);
    expect(row.status).toBe("ENVIADA");
    expect(row.sentAt).toBeInstanceOf(Date);
  });

  it("fills ticket variables and records the message when the schedule opens a ticket", async () => {
    const { data } = await scheduled(NOW, {
      openTicket: "enabled",
      body: "{{ms}}, {{firstName}}!",
    });
    const result = await service.sendScheduled(data, () => new Date("2027-03-10T12:00:00Z"));
    expect(result).toMatchObject({ sent: true, messageId: expect.any(Number) });
    expect((await wa.sends())[0]?.text).toBe("\u200e Bom dia, Maria!");
  });

  it("opens the ticket with the schedule's queue, attendant and status, renders every ticket tag and records the message on it", async () => {
    const queueId = (await rows.insert("Queues", { name: "Cobrança", color: "#123", companyId }))
      .id;
    const { data } = await scheduled(NOW, {
      openTicket: "enabled",
      queueId,
      ticketUserId: userId,
      statusTicket: "open",
      body: "{{ms}} {{name}}: {{queue}}/{{user}}/{{connection}} #{{ticket_id}} {{protocol}}",
    });
    const result = await service.sendScheduled(data, () => new Date("2027-03-10T19:30:00Z"));
    const ticket = await rows.findOne("Tickets", { contactId, queueId });
    expect(ticket).toMatchObject({ status: "open", userId, whatsappId });
    const id = ticket?.id;
    expect((await wa.sends()).map((x) => x.text)).toEqual([
      `\u200e Boa tarde Maria Silva: Cobrança/Ana Souza/W #${id} 20270310163000${id}`,
    ]);
    expect(result).toMatchObject({ sent: true });
    const message = await rows.findOne("Messages", { ticketId: id as number });
    expect(message?.body).toContain("Boa tarde Maria Silva");
  });

  it("reuses the contact's open ticket on the connection instead of opening another", async () => {
    const existing = await rows.insert("Tickets", {
      status: "pending",
      contactId,
      whatsappId,
      companyId,
    });
    const { data } = await scheduled(NOW, { openTicket: "enabled", statusTicket: "open" });
    await service.sendScheduled(data);
    expect(await rows.count("Tickets", { contactId, status: ["open", "pending"] })).toBe(1);
    expect(await rows.count("Messages", { ticketId: existing.id })).toBe(1);
  });

  it("sets ERRO with the reason after the last attempt of an operational error", async () => {
    const { s, data } = await scheduled(NOW);
    await wa.setBehaviour(whatsappId, { status: "DISCONNECTED" });
    await expect(
      service.sendScheduled(data, undefined, { finalAttempt: true }),
    ).rejects.toMatchObject({ code: "CF_WA_DISCONNECTED" });
    const row = await statusOf(s.id);
    expect(row.status).toBe("ERRO");
    expect(row.errorReason).toMatch(/^CF_WA_DISCONNECTED: .*DISCONNECTED/);
    await wa.setBehaviour(whatsappId, { status: "CONNECTED" });
  });

  it("reschedules a recurring one by calendar months with the counter, and the last one becomes ENVIADA", async () => {
    const jan31 = new Date("2028-01-31T13:00:00.000Z"); // 10:00 in São Paulo
    const { s, data } = await scheduled(jan31, {
      intervalo: 3,
      valorIntervalo: 1,
      enviarQuantasVezes: 1,
    });
    await expect(service.sendScheduled(data)).resolves.toMatchObject({
      status: "PENDENTE",
      nextSendAt: "2028-02-29T13:00:00.000Z",
    });
    let row = await statusOf(s.id);
    expect([row.status, row.sendAt.toISOString(), row.contadorEnvio, row.sentAt]).toEqual([
      "PENDENTE",
      "2028-02-29T13:00:00.000Z",
      1,
      null,
    ]);
    // The old occurrence's job, run again, sends nothing: its sendAt has moved on.
    await rows.update("Schedules", { status: "AGENDADA" }, { id: s.id });
    await expect(service.sendScheduled(data)).resolves.toMatchObject({
      sent: false,
      reason: "obsolete",
    });

    await expect(
      service.sendScheduled({ scheduleId: s.id, sendAt: "2028-02-29T13:00:00.000Z" }),
    ).resolves.toMatchObject({ sent: true, status: "ENVIADA" });
    row = await statusOf(s.id);
    expect([row.status, row.contadorEnvio]).toEqual(["ENVIADA", 1]);
    expect(await wa.sends()).toHaveLength(2);
  });

  it("uses the company's default connection and sets ERRO on a user error (not retried)", async () => {
    const { s, data } = await scheduled(NOW, {
      intervalo: 9,
      valorIntervalo: 1,
      enviarQuantasVezes: 2,
    });
    const err = await service.sendScheduled(data).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChatiaError);
    expect(err).toMatchObject({ code: "CF_SCHEDULE_INVALID", kind: "user" });
    expect((await statusOf(s.id)).status).toBe("ERRO");
    expect((await statusOf(s.id)).errorReason).toMatch(/^CF_SCHEDULE_INVALID: intervalo must be/);
    expect(await wa.sends()).toHaveLength(0);
  });

  it("leaves the schedule AGENDADA on an operational error, so the job's retry sends it", async () => {
    const { s, data } = await scheduled(NOW);
    await wa.setBehaviour(whatsappId, { status: "DISCONNECTED" });
    await expect(service.sendScheduled(data)).rejects.toMatchObject({ code: "CF_WA_DISCONNECTED" });
    expect((await statusOf(s.id)).status).toBe("AGENDADA");
    await wa.setBehaviour(whatsappId, { status: "CONNECTED" });
    await expect(service.sendScheduled(data)).resolves.toMatchObject({ sent: true });
    expect(await wa.sends()).toHaveLength(1);
  });
});
