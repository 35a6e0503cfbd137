// Each of the 14 jobs of the repository's own jobs.yaml, end to end through the repository's own
// flows/ (nothing copied by hand, nothing edited): real Bull on Redis (the test's prefix), real
// Postgres (the test's database), Node-RED, the simulated WhatsApp the demo runs. Time is scaled
// the ways the product offers, never by editing the manifest or a flow:
// - `${VAR}` settings of jobs.yaml (the MessageQueue pace, REDIS_OPT_LIMITER_DURATION);
// - the rows' timestamps (a ticket "idle for 2 hours" is written 2 hours old) and the companies'
//   CampaignSettings (no pacing between a campaign's messages);
// - crons are not waited for: each job is also enqueued by hand, as the editor's "run now" does.
// The shipped crons stay armed, so a cron run may do a job's work before the hand-run does: the
// tests assert the outcome in Postgres and in WhatsApp (once, never twice), not a run's counts.
// Each queue but the three below runs one job at a time, so a later hand-run finishing proves
// every earlier run of that queue (cron or hand) finished: that is how a test shows that nothing
// more happens, instead of sleeping.
import { readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { QueryTypes, type Sequelize } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SequelizeCampaignStore } from "../../../runtime/adapters/db/repositories/campaign-store";
import { SimulatedWhatsApp } from "../../../runtime/adapters/whatsapp";
import { until } from "../../helpers/campaigns";
import { REPO_ROOT, repoFixture } from "../../helpers/repo-fixture";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";
import { TicketWorld } from "../../helpers/tickets";

/** The settings of jobs.yaml this test scales, and their values here. */
const SCALED_ENV = { REDIS_OPT_LIMITER_DURATION: "400" } as const;

let fixture: string;
let t: TestRuntime;
let w: TicketWorld;
let wa: SimulatedWhatsApp;
let sql: Sequelize;

beforeAll(async () => {
  fixture = await repoFixture();
  const saved = Object.fromEntries(Object.keys(SCALED_ENV).map((k) => [k, process.env[k]]));
  Object.assign(process.env, SCALED_ENV);
  try {
    t = await startTestRuntime(fixture, { editor: false });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  sql = t.db.sequelize;
  w = new TicketWorld(sql);
  wa = new SimulatedWhatsApp(t.redis.redis, { prefix: `${t.config.prefix}:chatia:` });
}, 90_000);

afterAll(async () => {
  await t?.stop();
  if (fixture) await rm(fixture, { recursive: true, force: true });
});

async function run(queue: string, job: string, data: unknown = {}): Promise<unknown> {
  const enqueued = await t.runtime.queues.enqueue(queue, job, data);
  return enqueued.finished();
}

async function rows<T extends object>(query: string, bind: unknown[] = []): Promise<T[]> {
  return sql.query<T>(query, { bind, type: QueryTypes.SELECT });
}

async function insert(query: string, bind: unknown[]): Promise<number> {
  const [row] = await rows<{ id: number }>(`${query} RETURNING id`, bind);
  if (!row) throw new Error("no row inserted");
  return row.id;
}

/** Polls the rows until `done` holds for them. */
async function rowsUntil<T extends object>(
  query: string,
  bind: unknown[],
  done: (found: T[]) => boolean,
  timeoutMs = 15_000,
): Promise<T[]> {
  return until(async () => {
    const found = await rows<T>(query, bind);
    return done(found) ? found : undefined;
  }, timeoutMs);
}

async function sendsUntil(connectionId: number, count: number, timeoutMs = 15_000) {
  return until(async () => {
    const sends = await wa.sends({ connectionId });
    return sends.length >= count ? sends : undefined;
  }, timeoutMs);
}

/** "YYYY-MM-DD" `days` after today in São Paulo (the companies' default time zone). */
function saoPauloDate(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toLocaleDateString("en-CA", {
    timeZone: "America/Sao_Paulo",
  });
}

// A contact list of `n` contacts, a campaign on it through `whatsappId`, and no pacing between
// its messages (the company's CampaignSettings).
async function campaignWorld(
  n: number,
  fields: { status?: string; scheduledAt?: Date; connection?: "CONNECTED" | "DISCONNECTED" } = {},
) {
  const companyId = await w.company();
  const whatsappId = await w.connection(companyId, { status: fields.connection ?? "CONNECTED" });
  for (const [key, value] of Object.entries({
    messageInterval: 0,
    longerIntervalAfter: 0,
    greaterInterval: 0,
    variables: [],
  })) {
    await sql.query(
      `INSERT INTO "CampaignSettings" ("companyId", key, value, "createdAt", "updatedAt")
       VALUES ($1, $2, $3, now(), now())`,
      { bind: [companyId, key, JSON.stringify(value)] },
    );
  }
  const listId = await insert(
    `INSERT INTO "ContactLists" (name, "companyId", "createdAt", "updatedAt") VALUES ('Lista', $1, now(), now())`,
    [companyId],
  );
  const itemIds: number[] = [];
  const numbers: string[] = [];
  for (let i = 0; i < n; i++) {
    const number = `55219${String(whatsappId).padStart(4, "0")}${String(i).padStart(4, "0")}`;
    numbers.push(number);
    itemIds.push(
      await insert(
        `INSERT INTO "ContactListItems" (name, number, "contactListId", "companyId", "createdAt", "updatedAt")
         VALUES ($1, $2, $3, $4, now(), now())`,
        [`Contato ${i}`, number, listId, companyId],
      ),
    );
  }
  const campaignId = await insert(
    `INSERT INTO "Campaigns" (name, status, "scheduledAt", message1, "companyId", "contactListId", "whatsappId",
       "createdAt", "updatedAt")
     VALUES ('Campanha', $1, $2, 'Olá {nome}', $3, $4, $5, now(), now())`,
    [
      fields.status ?? "PROGRAMADA",
      fields.scheduledAt ?? new Date(),
      companyId,
      listId,
      whatsappId,
    ],
  );
  return { companyId, whatsappId, listId, itemIds, numbers, campaignId };
}

async function campaignFinished(campaignId: number) {
  return rowsUntil<{ status: string; shippingsLeft: number }>(
    `SELECT status, "shippingsLeft" FROM "Campaigns" WHERE id = $1`,
    [campaignId],
    (found) => found[0]?.status === "FINALIZADA",
  );
}

/** Each number got exactly one message, and nothing else went out through the connection. */
async function expectOneSendEach(whatsappId: number, numbers: readonly string[]) {
  const sends = await sendsUntil(whatsappId, numbers.length);
  expect(sends.map((s) => s.jid).sort()).toEqual(numbers.map((n) => `${n}@s.whatsapp.net`).sort());
  return sends;
}

async function schedule(companyId: number, whatsappId: number, sendAt: Date, body: string) {
  const contactId = await w.contact(companyId, { name: "Maria Souza" });
  return insert(
    `INSERT INTO "Schedules" (body, "sendAt", status, "contactId", "companyId", "whatsappId", "createdAt", "updatedAt")
     VALUES ($1, $2, 'PENDENTE', $3, $4, $5, now(), now())`,
    [body, sendAt, contactId, companyId, whatsappId],
  );
}

// One test per job of jobs.yaml, by its key.
const SHIPPED: Record<string, () => Promise<void>> = {
  "MessageQueue/SendMessage": async () => {
    const companyId = await w.company();
    const whatsappId = await w.connection(companyId);
    const numbers = ["5511988880001", "5511988880002"];
    const jobs = await Promise.all(
      numbers.map((number, i) =>
        t.runtime.queues.enqueue("MessageQueue", "SendMessage", {
          whatsappId,
          data: { number, body: `Mensagem ${i}` },
        }),
      ),
    );
    await Promise.all(jobs.map((j) => j.finished()));
    const sends = await expectOneSendEach(whatsappId, numbers);
    expect(sends.map((s) => s.text?.trim()).sort()).toEqual(["Mensagem 0", "Mensagem 1"]);
    // Paced per connection as the shipped limiter says, its duration scaled by the setting.
    const limit = t.runtime.plan().queues.find((q) => q.name === "MessageQueue")?.rateLimit;
    expect(limit).toMatchObject({ max: 1, durationMs: 400, per: "whatsappId", paces: "sends" });
    const [first, second] = sends.map((s) => s.startedAt).sort((a, b) => a - b);
    expect((second as number) - (first as number)).toBeGreaterThanOrEqual(400 - 50);
  },

  "ScheduleMonitor/Verify": async () => {
    const companyId = await w.company();
    const whatsappId = await w.connection(companyId);
    const soon = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000);
    const due = await schedule(companyId, whatsappId, soon, "Lembrete");
    // The shipped flow looks 75 s ahead: 70 s is taken now, 90 s is left for a later run.
    const within = await schedule(companyId, whatsappId, new Date(Date.now() + 70_000), "Dentro");
    const beyond = await schedule(companyId, whatsappId, new Date(Date.now() + 90_000), "Fora");
    await run("ScheduleMonitor", "Verify");
    const states = await rows<{ id: number; status: string }>(
      `SELECT id, status FROM "Schedules" WHERE id = ANY($1) ORDER BY id`,
      [[due, within, beyond]],
    );
    expect(states.map((s) => s.status)).toEqual([
      expect.stringMatching(/^(AGENDADA|ENVIADA)$/),
      "AGENDADA",
      "PENDENTE",
    ]);
    const delayed = await t.runtime.queues
      .queue("SendSacheduledMessages")
      .bull.getJob(`schedule-${within}-${(await sendAtOf(within)).getTime()}`);
    expect(delayed && (await delayed.getState())).toBe("delayed");

    await rowsUntil<{ status: string }>(
      `SELECT status FROM "Schedules" WHERE id = $1`,
      [due],
      (found) => found[0]?.status === "ENVIADA",
    );
    const [sent] = await sendsUntil(whatsappId, 1);
    expect(sent?.text).toBe("\u200e Lembrete");
    expect(sent?.startedAt).toBeGreaterThanOrEqual(soon.getTime() - 5);
    // A later Verify run, once finished, proves no earlier one enqueued the occurrence twice.
    await run("ScheduleMonitor", "Verify");
    const counts = await t.runtime.queues.queue("SendSacheduledMessages").bull.getJobCounts();
    expect(counts.active + counts.waiting).toBe(0);
    expect(await wa.sends({ connectionId: whatsappId })).toHaveLength(1);
  },

  "SendSacheduledMessages/SendMessage": async () => {
    const companyId = await w.company();
    const whatsappId = await w.connection(companyId);
    const sendAt = new Date(Date.now() - 1000);
    const id = await schedule(companyId, whatsappId, sendAt, "Olá");
    const data = { scheduleId: id, sendAt: sendAt.toISOString() };
    await run("SendSacheduledMessages", "SendMessage", data);
    // Run again (a duplicate job, or a Verify run's): the occurrence is not sent twice.
    await run("SendSacheduledMessages", "SendMessage", data);
    const [row] = await rows<{ status: string; sent: boolean }>(
      `SELECT status, "sentAt" IS NOT NULL AS sent FROM "Schedules" WHERE id = $1`,
      [id],
    );
    expect(row).toEqual({ status: "ENVIADA", sent: true });
    const sends = await wa.sends({ connectionId: whatsappId });
    expect(sends.map((s) => s.text)).toEqual(["\u200e Olá"]);
  },

  "CampaignQueue/VerifyCampaignsDaatabase": async () => {
    const c = await campaignWorld(3);
    await run("CampaignQueue", "VerifyCampaignsDaatabase");
    expect(await campaignFinished(c.campaignId)).toEqual([
      { status: "FINALIZADA", shippingsLeft: 0 },
    ]);
    const sends = await expectOneSendEach(c.whatsappId, c.numbers);
    expect(sends.map((s) => s.text).sort()).toEqual(
      [0, 1, 2].map((i) => `\u200c Olá Contato ${i}`),
    );
    const shippings = await rows<{ delivered: boolean }>(
      `SELECT "deliveredAt" IS NOT NULL AS delivered FROM "CampaignShipping" WHERE "campaignId" = $1`,
      [c.campaignId],
    );
    expect(shippings).toEqual([{ delivered: true }, { delivered: true }, { delivered: true }]);
  },

  "CampaignQueue/ProcessCampaign": async () => {
    // Started, as Verify leaves it before its ProcessCampaign job runs (a Verify run may pick it
    // up as not yet expanded too): written and sent once either way.
    const c = await campaignWorld(2, {
      status: "EM_ANDAMENTO",
      scheduledAt: new Date(Date.now() - 1000),
    });
    await run("CampaignQueue", "ProcessCampaign", { id: c.campaignId });
    await campaignFinished(c.campaignId);
    await expectOneSendEach(c.whatsappId, c.numbers);
    const [{ n } = { n: -1 }] = await rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM "CampaignShipping" WHERE "campaignId" = $1`,
      [c.campaignId],
    );
    expect(n).toBe(2);
  },

  "CampaignQueue/PrepareContact": async () => {
    // As earlier versions' producers added it: the campaign started (its list's snapshot
    // taken), then one PrepareContact job per contact.
    const c = await campaignWorld(2, { status: "EM_ANDAMENTO" });
    await new SequelizeCampaignStore(sql).startExpansion(c.campaignId, new Date());
    await sql.query(`UPDATE "Campaigns" SET "expandedAt" = now() WHERE id = $1`, {
      bind: [c.campaignId],
    });
    for (const contactId of c.itemIds) {
      await run("CampaignQueue", "PrepareContact", { campaignId: c.campaignId, contactId });
    }
    // A duplicate of the first: recorded and sent once all the same.
    await run("CampaignQueue", "PrepareContact", {
      campaignId: c.campaignId,
      contactId: c.itemIds[0],
    });
    await campaignFinished(c.campaignId);
    await expectOneSendEach(c.whatsappId, c.numbers);
  },

  "CampaignQueue/DispatchCampaign": async () => {
    const c = await campaignWorld(1, { status: "EM_ANDAMENTO" });
    const shippingId = await insert(
      `INSERT INTO "CampaignShipping" (number, message, "contactId", "campaignId", "dueAt", "createdAt", "updatedAt")
       VALUES ($1, $2, $3, $4, now(), now(), now())`,
      [c.numbers[0], "\u200c Oferta", c.itemIds[0], c.campaignId],
    );
    const data = { campaignId: c.campaignId, campaignShippingId: shippingId };
    await run("CampaignQueue", "DispatchCampaign", data);
    await expect(run("CampaignQueue", "DispatchCampaign", data)).resolves.toMatchObject({
      outcome: "skipped",
      reason: "settled",
    });
    const [row] = await rows<{ delivered: boolean; failed: boolean }>(
      `SELECT "deliveredAt" IS NOT NULL AS delivered, "failedAt" IS NOT NULL AS failed
         FROM "CampaignShipping" WHERE id = $1`,
      [shippingId],
    );
    expect(row).toEqual({ delivered: true, failed: false });
    const sends = await wa.sends({ connectionId: c.whatsappId });
    expect(sends.map((s) => s.text)).toEqual(["\u200c Oferta"]);
  },

  "QueueMonitor/VerifyQueueStatus": async () => {
    const companyId = await w.company();
    const queueId = await w.queue(companyId);
    const conn = await w.connection(companyId, { timeSendQueue: 10, sendIdQueue: queueId });
    const idle = await w.ticket(companyId, { whatsappId: conn, idleMinutes: 11 });
    const fresh = await w.ticket(companyId, { whatsappId: conn, idleMinutes: 2 });
    await run("QueueMonitor", "VerifyQueueStatus");
    await run("QueueMonitor", "VerifyQueueStatus");
    expect(
      await rows(`SELECT id, "queueId" FROM "Tickets" WHERE id = ANY($1) ORDER BY id`, [
        [idle, fresh],
      ]),
    ).toEqual([
      { id: idle, queueId },
      { id: fresh, queueId: null },
    ]);
    expect(
      await rows(`SELECT type, "queueId" FROM "LogTickets" WHERE "ticketId" = ANY($1)`, [
        [idle, fresh],
      ]),
    ).toEqual([{ type: "redirect", queueId }]);
  },

  "TicketRouter/DistributeTickets": async () => {
    const companyId = await w.company({ greeting: true });
    const q = await w.queue(companyId, { routed: true, tempoRoteador: 5 });
    const conn = await w.connection(companyId);
    const online = await w.user(companyId, { queues: [q] });
    await w.user(companyId, { queues: [q], online: false });
    const ticket = await w.ticket(companyId, { queueId: q, whatsappId: conn });
    await run("TicketRouter", "DistributeTickets");
    await run("TicketRouter", "DistributeTickets");
    expect(await rows(`SELECT "userId" FROM "Tickets" WHERE id = $1`, [ticket])).toEqual([
      { userId: online },
    ]);
    const sends = await wa.sends({ connectionId: conn });
    expect(sends).toHaveLength(1);
    expect(sends[0]?.text).toMatch(/^\u200e \*Assistente Virtual\*:\nAguarde/);
  },

  "KanbanMonitor/MoveKanbanLanes": async () => {
    const companyId = await w.company({ kanban: true });
    const { connection: conn, next, ticket: due } = await w.dueForNextLane(companyId);
    await run("KanbanMonitor", "MoveKanbanLanes");
    await run("KanbanMonitor", "MoveKanbanLanes");
    expect(await rows(`SELECT "tagId" FROM "TicketTags" WHERE "ticketId" = $1`, [due])).toEqual([
      { tagId: next },
    ]);
    const sends = await wa.sends({ connectionId: conn });
    expect(sends.map((s) => s.text)).toEqual(["\u200e João, sua proposta está pronta"]);
  },

  "TicketMonitor/CloseInactiveTickets": async () => {
    const companyId = await w.company();
    const conn = await w.connection(companyId, {
      expiresTicket: 1,
      farewell: "{{firstName}}, encerramos por inatividade.",
    });
    const idle = await w.ticket(companyId, {
      status: "open",
      whatsappId: conn,
      idleMinutes: 61,
      contactName: "Ana Lima",
    });
    const fresh = await w.ticket(companyId, { status: "open", whatsappId: conn, idleMinutes: 30 });
    await run("TicketMonitor", "CloseInactiveTickets");
    await run("TicketMonitor", "CloseInactiveTickets");
    expect(
      await rows(`SELECT id, status FROM "Tickets" WHERE id = ANY($1) ORDER BY id`, [
        [idle, fresh],
      ]),
    ).toEqual([
      { id: idle, status: "closed" },
      { id: fresh, status: "open" },
    ]);
    const sends = await wa.sends({ connectionId: conn });
    expect(sends.map((s) => s.text)).toEqual(["\u200e Ana, encerramos por inatividade."]);
  },

  "SessionMonitor/PurgeWhatsappSessions": async () => {
    const companyId = await w.company();
    const keep = await w.connection(companyId, { status: "CONNECTED", updatedDaysAgo: 100 });
    const gone = await w.connection(companyId, { deleted: true, status: "DISCONNECTED" });
    const old = await w.connection(companyId, { status: "DISCONNECTED", updatedDaysAgo: 31 });
    for (const id of [keep, gone, old]) {
      await sql.query(
        `INSERT INTO "WhatsappSessions" ("whatsappId", "companyId", creds) VALUES ($1, $2, '{}')`,
        { bind: [id, companyId] },
      );
    }
    await run("SessionMonitor", "PurgeWhatsappSessions");
    expect(
      await rows(`SELECT "whatsappId" FROM "WhatsappSessions" WHERE "whatsappId" = ANY($1)`, [
        [keep, gone, old],
      ]),
    ).toEqual([{ whatsappId: keep }]);
  },

  "UserMonitor/VerifyLoginStatus": async () => {
    const companyId = await w.company();
    const idle = await insert(
      `INSERT INTO "Users" (name, email, "passwordHash", online, "companyId", "createdAt", "updatedAt")
       VALUES ('Idle', $2, 'x', true, $1, now() - interval '10 minutes', now() - interval '10 minutes')`,
      [companyId, `idle-${companyId}@example.com`],
    );
    const here = await insert(
      `INSERT INTO "Users" (name, email, "passwordHash", online, "companyId", "createdAt", "updatedAt")
       VALUES ('Here', $2, 'x', true, $1, now(), now())`,
      [companyId, `here-${companyId}@example.com`],
    );
    await run("UserMonitor", "VerifyLoginStatus");
    expect(
      await rows(`SELECT id, online FROM "Users" WHERE id = ANY($1) ORDER BY id`, [[idle, here]]),
    ).toEqual([
      { id: idle, online: false },
      { id: here, online: true },
    ]);
  },

  "InvoiceMonitor/CreateInvoices": async () => {
    const planId = await insert(
      `INSERT INTO "Plans" (name, amount, "createdAt", "updatedAt") VALUES ('Plano Ouro', '149.90', now(), now())`,
      [],
    );
    const companyId = await insert(
      `INSERT INTO "Companies" (name, status, "planId", "dueDate", "createdAt", "updatedAt")
       VALUES ('Empresa faturada', true, $1, $2, now(), now())`,
      [planId, saoPauloDate(10)],
    );
    await run("InvoiceMonitor", "CreateInvoices");
    await run("InvoiceMonitor", "CreateInvoices");
    expect(
      await rows(`SELECT "dueDate", detail, status, value FROM "Invoices" WHERE "companyId" = $1`, [
        companyId,
      ]),
    ).toEqual([
      { dueDate: saoPauloDate(10), detail: "Plano Ouro", status: "open", value: "149.90" },
    ]);
  },
};

async function sendAtOf(scheduleId: number): Promise<Date> {
  const [row] = await rows<{ sendAt: Date }>(`SELECT "sendAt" FROM "Schedules" WHERE id = $1`, [
    scheduleId,
  ]);
  if (!row) throw new Error(`no schedule ${scheduleId}`);
  return row.sendAt;
}

describe("the runtime on the repository's jobs.yaml and flows/", () => {
  it("runs the shipped files unchanged, with every job handled and tested here", async () => {
    expect(await readFile(t.config.manifestFile, "utf8")).toBe(
      await readFile(path.join(REPO_ROOT, "jobs.yaml"), "utf8"),
    );
    const shippedFlows = (await readdir(path.join(REPO_ROOT, "flows"))).sort();
    for (const file of shippedFlows) {
      expect(await readFile(path.join(t.config.flowsDir, file), "utf8"), file).toBe(
        await readFile(path.join(REPO_ROOT, "flows", file), "utf8"),
      );
    }
    const jobs = t.runtime.plan().queues.flatMap((q) => q.jobs);
    expect(jobs.filter((j) => !j.enabled || j.notHandled).map((j) => j.key)).toEqual([]);
    expect(jobs.map((j) => j.key).sort()).toEqual(Object.keys(SHIPPED).sort());
    expect(jobs).toHaveLength(14);
  });

  for (const [key, test] of Object.entries(SHIPPED)) it(key, test, 30_000);
});

describe("the shipped retry of CampaignQueue/DispatchCampaign in Bull", () => {
  it("re-runs a failing sender after each attempt within the declared capped, jittered backoff, 5 attempts in all", async () => {
    const declared = t.runtime
      .plan()
      .queues.flatMap((q) => q.jobs)
      .find((j) => j.key === "CampaignQueue/DispatchCampaign");
    // jobs.yaml: attempts 5, backoff { type: exponential, delay: 10000, maxDelay: 600000, jitter: 0.2 }
    expect(declared?.options).toMatchObject({
      attempts: 5,
      backoff: {
        type: "chatia",
        options: { type: "exponential", delayMs: 10_000, maxDelayMs: 600_000, jitter: 0.2 },
      },
    });
    // The wait before attempt k + 1: Bull's exponential (2^k − 1)·delay, capped, then up to 20 %
    // shorter. (The cap of 10 minutes is beyond the 4th wait, 150 s: it never binds here.)
    const bounds = (k: number) => {
      const capped = Math.min((2 ** k - 1) * 10_000, 600_000);
      return { lo: capped * 0.8, hi: capped };
    };

    // One shipping's dispatch (the form earlier versions added) through a connection that is
    // down: it fails at each attempt. (A connection's sender job would do the same, but a sender
    // also re-arms under other ids, which would blur which job is retried.)
    const c = await campaignWorld(1, { status: "EM_ANDAMENTO", connection: "DISCONNECTED" });
    const shippingId = await insert(
      `INSERT INTO "CampaignShipping" (number, message, "contactId", "campaignId", "dueAt", "createdAt", "updatedAt")
       VALUES ($1, 'Oferta', $2, $3, now(), now(), now())`,
      [c.numbers[0], c.itemIds[0], c.campaignId],
    );
    const sender = await t.runtime.queues.enqueue("CampaignQueue", "DispatchCampaign", {
      campaignId: c.campaignId,
      campaignShippingId: shippingId,
    });
    const queue = t.runtime.queues.queue("CampaignQueue").bull;
    const delayedKey = `${t.config.prefix}:CampaignQueue:delayed`;
    let jittered = 0;
    for (let k = 1; k <= 4; k++) {
      // Failed k times and waiting in Bull's delayed set for its next run.
      const { job, observedAt } = await until(async () => {
        const found = await queue.getJob(sender.id);
        if (!found || found.attemptsMade !== k || (await found.getState()) !== "delayed") return;
        return { job: found, observedAt: Date.now() };
      }, 15_000);
      expect(job.failedReason).toMatch(/DISCONNECTED/);
      const score = Number(await t.redis.redis.zscore(delayedKey, String(job.id)));
      const runAt = Math.floor(score / 0x1000);
      // runAt = failedAt + wait, and processedOn ≤ failedAt ≤ observedAt.
      const { lo, hi } = bounds(k);
      expect(runAt - (job.processedOn as number), `wait ${k}`).toBeGreaterThanOrEqual(lo);
      expect(runAt - observedAt, `wait ${k}`).toBeLessThanOrEqual(hi);
      if (runAt - (job.processedOn as number) < hi) jittered += 1;
      // Its next attempt now, rather than after the wait: Bull computes the next wait as ever.
      await job.promote();
    }
    // A uniform 0–20 % cut shows in (nearly) every wait; Bull's plain exponential in none.
    expect(jittered).toBeGreaterThan(0);
    const failed = await until(async () => {
      const found = await queue.getJob(sender.id);
      return found && (await found.getState()) === "failed" ? found : undefined;
    }, 15_000);
    expect(failed.attemptsMade).toBe(5);
    expect(await wa.sends({ connectionId: c.whatsappId })).toEqual([]);
  }, 60_000);
});
