// The four CampaignQueue flows in a real runtime (Node-RED, Postgres, Redis, simulated WhatsApp):
// a campaign goes from PROGRAMADA to FINALIZADA with exactly one send per contact, paced as its
// CampaignSettings say; the original's defects (SPEC §4: 3, 4, 5, 6, 8, 11) do not come back.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SequelizeMessageStore } from "../../../runtime/adapters/db";
import { initModels } from "../../../runtime/adapters/db/models";
import { SequelizeCampaignStore } from "../../../runtime/adapters/db/repositories/campaign-store";
import { RedisCompanyEvents } from "../../../runtime/adapters/socket";
import { SimulatedWhatsApp } from "../../../runtime/adapters/whatsapp";
import { AuthService } from "../../../runtime/api/auth";
import { MessageService } from "../../../runtime/services/message.service";
import {
  type CampaignWorld,
  campaignFixture,
  contactNumber,
  createCampaign,
  createCampaignWorld,
  until,
} from "../../helpers/campaigns";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";
import { connectCompanySocket } from "../../helpers/socket";

let t: TestRuntime;
let wa: SimulatedWhatsApp;
let m: ReturnType<typeof initModels>;

beforeAll(async () => {
  t = await startTestRuntime(await campaignFixture(5), { editor: false });
  wa = new SimulatedWhatsApp(t.redis.redis, { prefix: `${t.config.prefix}:chatia:` });
  m = initModels(t.db.sequelize);
}, 60_000);
afterAll(async () => {
  await t?.stop();
});
beforeEach(async () => {
  await wa.reset();
});

const queue = () => t.runtime.queues.queue("CampaignQueue");

async function verify(): Promise<unknown> {
  const job = await t.runtime.queues.enqueue("CampaignQueue", "VerifyCampaignsDaatabase", {});
  return job.finished();
}

async function campaign(id: number) {
  return m.Campaign.findByPk(id, { rejectOnEmpty: true });
}

async function finished(id: number, timeoutMs = 8000) {
  return until(async () => {
    const c = await campaign(id);
    return c.status === "FINALIZADA" ? c : undefined;
  }, timeoutMs);
}

async function sendsTo(world: CampaignWorld) {
  return wa.sends({ connectionId: world.whatsappId });
}

describe("campaign flows", () => {
  it("Verify starts a due campaign once; every contact gets one message, paced exactly; FINALIZADA", async () => {
    // Gaps: 0.4 s after each message, 1.2 s after every 2nd (defect 5: seconds, not ms).
    const pacing = { messageInterval: 0.4, longerIntervalAfter: 2, greaterInterval: 1.2 };
    const world = await createCampaignWorld(t.db.sequelize, {
      contacts: 5,
      pacing,
      variables: [{ key: "promo", value: "BLACK10" }],
    });
    const scheduledAt = new Date(Date.now() + 1000);
    const id = await createCampaign(t.db.sequelize, world, {
      scheduledAt,
      message1: "Oi {nome}, código {promo}",
      message2: "   ",
      message3: "Olá {nome} ({numero}, {email})",
    });

    await verify();
    expect(["EM_ANDAMENTO", "FINALIZADA"]).toContain((await campaign(id)).status);
    // Enqueued to start 30 s before scheduledAt (here: at once), so the first contacts are ready.
    const job = await queue().getJob(`campaign-${id}`);
    expect(job?.opts.delay).toBe(0);
    // As if the first run had crashed before marking it: the same job id, kept once.
    await m.Campaign.update({ status: "PROGRAMADA" }, { where: { id } });
    await verify();
    const processJobs = await queue().getJobs(["waiting", "active", "delayed", "completed"]);
    expect(processJobs.filter((j) => j.name === "ProcessCampaign").map((j) => j.id)).toEqual([
      `campaign-${id}`,
    ]);

    const done = await finished(id, 10_000);
    expect(done.completedAt).toBeInstanceOf(Date);
    expect(done.shippingsLeft).toBe(0);
    const shippings = await m.CampaignShipping.findAll({
      where: { campaignId: id },
      order: [["contactId", "ASC"]],
    });
    expect(shippings).toHaveLength(5);
    const start = (done.pacedFrom as Date).getTime();
    // Contact i is due at start + (i − ⌊i/2⌋)·0.4 s + ⌊i/2⌋·1.2 s: 0, 0.4, 1.6, 2.0, 3.2 s.
    expect(shippings.map((s) => (s.dueAt as Date).getTime() - start)).toEqual([
      0, 400, 1600, 2000, 3200,
    ]);
    expect(start).toBe(scheduledAt.getTime());

    const sends = await sendsTo(world);
    expect(sends).toHaveLength(5);
    sends.forEach((send, i) => {
      expect(send.jid).toBe(`${contactNumber(i)}@s.whatsapp.net`);
      const dueAt = shippings[i]?.dueAt as Date;
      expect(send.startedAt).toBeGreaterThanOrEqual(dueAt.getTime() - 5);
      expect(send.startedAt - dueAt.getTime()).toBeLessThan(250);
      const name = `Contato ${i}`;
      expect([
        `\u200c Oi ${name}, código BLACK10`,
        `\u200c Olá ${name} (${contactNumber(i)}, c${i}@example.com)`,
      ]).toContain(send.text);
    });
    // Not recorded on tickets when the campaign does not open them.
    expect(await m.Message.count()).toBe(0);
  }, 30_000);

  it("the company's socket hears company-<id>-campaign: EM_ANDAMENTO, then FINALIZADA", async () => {
    const world = await createCampaignWorld(t.db.sequelize, { contacts: 3 });
    const auth = new AuthService({ sequelize: t.db.sequelize, jwtSecret: t.config.jwtSecret });
    const { token } = await auth.createApiToken({
      name: "campaign-events",
      companyId: world.companyId,
      profile: "admin",
    });
    const socket = await connectCompanySocket({
      url: t.runtime.url ?? "",
      token,
      companyId: world.companyId,
    });
    try {
      const probe = new RedisCompanyEvents(t.redis.redis, t.config.prefix);
      await socket.untilReceiving(
        () => probe.emit(world.companyId, "probe", {}),
        `company-${world.companyId}-probe`,
      );
      const id = await createCampaign(t.db.sequelize, world);
      await verify();
      await finished(id);
      const name = `company-${world.companyId}-campaign`;
      const events = await until(async () => {
        const got = socket.received(name) as {
          action: string;
          record: { id: number; status: string };
        }[];
        return got.some((e) => e.record.status === "FINALIZADA") ? got : undefined;
      }, 5000);
      expect(events.every((e) => e.action === "update" && e.record.id === id)).toBe(true);
      const statuses = events.map((e) => e.record.status);
      expect(statuses[0]).toBe("EM_ANDAMENTO");
      expect(statuses.at(-1)).toBe("FINALIZADA");
    } finally {
      socket.close();
    }
  }, 20_000);

  it("an empty list finishes the campaign when it is processed (defect 6)", async () => {
    const world = await createCampaignWorld(t.db.sequelize, { contacts: 0 });
    const id = await createCampaign(t.db.sequelize, world);
    await verify();
    const done = await finished(id);
    expect(done.completedAt).toBeInstanceOf(Date);
    expect(await sendsTo(world)).toHaveLength(0);
  });

  it("a cancelled campaign sends nothing more", async () => {
    const pacing = { messageInterval: 1, longerIntervalAfter: 0, greaterInterval: 0 };
    const world = await createCampaignWorld(t.db.sequelize, { contacts: 4, pacing });
    const id = await createCampaign(t.db.sequelize, world);
    await verify();
    await until(async () => ((await sendsTo(world)).length >= 1 ? true : undefined), 5000);
    await m.Campaign.update({ status: "CANCELADA" }, { where: { id } });
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect((await sendsTo(world)).length).toBeLessThanOrEqual(2);
    expect((await campaign(id)).status).toBe("CANCELADA");
    const undelivered = await m.CampaignShipping.count({
      where: { campaignId: id, deliveredAt: null },
    });
    expect(undelivered).toBeGreaterThanOrEqual(2);
  }, 15_000);

  it("confirmation mode sends the request, not the message, and waits", async () => {
    const world = await createCampaignWorld(t.db.sequelize, { contacts: 1 });
    const id = await createCampaign(t.db.sequelize, world, {
      confirmation: true,
      confirmationMessage2: "{nome}, podemos enviar a oferta?",
    });
    await verify();
    const shipping = await until(async () => {
      const s = await m.CampaignShipping.findOne({ where: { campaignId: id } });
      return s?.confirmationRequestedAt ? s : undefined;
    }, 5000);
    expect(shipping.deliveredAt).toBeNull();
    const sends = await sendsTo(world);
    expect(sends.map((s) => s.text)).toEqual(["\u200c Contato 0, podemos enviar a oferta?"]);
    expect((await campaign(id)).status).toBe("EM_ANDAMENTO");
    // The contact confirms (the inbound listener's part) and the dispatch runs again.
    await shipping.update({ confirmation: true, confirmedAt: new Date() });
    const again = await t.runtime.queues.enqueue("CampaignQueue", "DispatchCampaign", {
      campaignId: id,
      campaignShippingId: shipping.id,
    });
    await expect(again.finished()).resolves.toMatchObject({ outcome: "delivered" });
    expect((await sendsTo(world)).map((s) => s.text)).toEqual([
      "\u200c Contato 0, podemos enviar a oferta?",
      "\u200c Olá Contato 0",
    ]);
    await finished(id);
  }, 15_000);

  it("open-ticket mode records the message on a ticket with the campaign's queue, user and status", async () => {
    const world = await createCampaignWorld(t.db.sequelize, { contacts: 1 });
    const queueId = (
      await m.Queue.create({ name: "Vendas", color: "#fff", companyId: world.companyId })
    ).id;
    const userId = (
      await m.User.create({
        name: "Ana",
        email: `ana-${world.companyId}@example.com`,
        passwordHash: "x",
        companyId: world.companyId,
      })
    ).id;
    const id = await createCampaign(t.db.sequelize, world, {
      openTicket: "enabled",
      queueId,
      userId,
      statusTicket: "open",
    });
    await verify();
    await finished(id);
    const ticket = await m.Ticket.findOne({
      where: { companyId: world.companyId },
      rejectOnEmpty: true,
    });
    expect(ticket).toMatchObject({ queueId, userId, status: "open", whatsappId: world.whatsappId });
    const messages = await m.Message.findAll({ where: { ticketId: ticket.id } });
    expect(messages.map((msg) => msg.body)).toEqual(["\u200c Olá Contato 0"]);
  }, 15_000);

  it("audio goes after its text; a missing media file fails the shipping with its reason", async () => {
    const world = await createCampaignWorld(t.db.sequelize, { contacts: 1 });
    const folder = path.join(t.config.mediaDir, `company${world.companyId}`);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, "oferta.ogg"), "OggS");
    const audio = await createCampaign(t.db.sequelize, world, { mediaPath: "oferta.ogg" });
    await verify();
    await finished(audio);
    const sends = await sendsTo(world);
    expect(sends.map((s) => s.text ?? s.media?.fileName)).toEqual([
      "\u200c Olá Contato 0",
      "oferta.ogg",
    ]);
    const ledger = await t.db.sequelize.query<{ key: string }>(
      `SELECT key FROM "SendLedger" WHERE key LIKE $1 ORDER BY key`,
      { bind: [`campaign:${audio}:%`], type: QueryTypes.SELECT },
    );
    const item = world.itemIds[0];
    expect(ledger.map((r) => r.key)).toEqual([
      `campaign:${audio}:shipping:${item}`,
      `campaign:${audio}:shipping:${item}:audio`,
    ]);

    await wa.reset();
    const missing = await createCampaign(t.db.sequelize, world, { mediaPath: "sumiu.jpg" });
    await verify();
    await finished(missing);
    const failed = await m.CampaignShipping.findOne({
      where: { campaignId: missing },
      rejectOnEmpty: true,
    });
    expect(failed.deliveredAt).toBeNull();
    expect(failed.failedAt).toBeInstanceOf(Date);
    expect(failed.failureReason).toMatch(/^CF_MEDIA_MISSING: /);
    expect(await sendsTo(world)).toHaveLength(0);
  }, 20_000);

  it("a DISCONNECTED connection fails the dispatch visibly and it is retried, then sent once", async () => {
    const world = await createCampaignWorld(t.db.sequelize, {
      contacts: 1,
      status: "DISCONNECTED",
    });
    const id = await createCampaign(t.db.sequelize, world);
    await verify();
    const item = world.itemIds[0];
    const failedJob = await until(async () => {
      const job = await queue().getJob(`campaign-${id}-dispatch-${item}`);
      return job && (await job.isFailed()) ? job : undefined;
    }, 8000);
    expect(failedJob.attemptsMade).toBe(3);
    expect(failedJob.failedReason).toMatch(/DISCONNECTED/);
    expect((await campaign(id)).status).toBe("EM_ANDAMENTO");
    expect(await sendsTo(world)).toHaveLength(0);

    // The connection comes back; Verify's reconcile runs the failed job once more when the
    // shipping is overdue (it is not left failed for good).
    await m.Whatsapp.update({ status: "CONNECTED" }, { where: { id: world.whatsappId } });
    await m.CampaignShipping.update(
      { dueAt: new Date(Date.now() - 3_600_000) },
      { where: { campaignId: id } },
    );
    await verify();
    await finished(id);
    expect(await sendsTo(world)).toHaveLength(1);
    const retried = await queue().getJob(`campaign-${id}-dispatch-${item}`);
    expect(await retried?.isCompleted()).toBe(true);
  }, 20_000);

  it("contacts due together share DispatchCampaign jobs; a send failing mid-batch retries the job, and no one gets two", async () => {
    const world = await createCampaignWorld(t.db.sequelize, { contacts: 60 });
    const id = await createCampaign(t.db.sequelize, world);
    // Slow sends (5 s for the batch of 50), so the failure below lands inside a batch.
    await wa.setBehaviour(world.whatsappId, { latencyMs: 100 });
    await verify();
    // Zero pacing: 60 shippings due at once are two jobs, of 50 and 10, named after their first.
    const batch = await until(
      async () =>
        (await queue().getJob(`campaign-${id}-dispatch-${world.itemIds[0]}`)) ?? undefined,
      8000,
    );
    expect(batch.data.shippings).toHaveLength(50);
    const rest = await queue().getJob(`campaign-${id}-dispatch-${world.itemIds[50]}`);
    expect(rest?.data.shippings).toHaveLength(10);
    // Some sends went out; the next one fails (WhatsApp refused it): the job is retried.
    await until(async () => ((await sendsTo(world)).length >= 5 ? true : undefined), 8000);
    await wa.setBehaviour(world.whatsappId, { failNext: 1 });
    await finished(id, 15_000);
    const sends = await sendsTo(world);
    const jids = sends.map((x) => x.jid);
    expect(new Set(jids).size).toBe(60);
    expect(jids).toHaveLength(60);
    // Within a batch, in list order.
    const firstBatch = world.itemIds
      .slice(0, 50)
      .map((_, i) => `${contactNumber(i)}@s.whatsapp.net`);
    expect(jids.filter((jid) => firstBatch.includes(jid))).toEqual(firstBatch);
    const attempts = await Promise.all(
      [batch.id, rest?.id].map(async (jobId) => (await queue().getJob(jobId ?? ""))?.attemptsMade),
    );
    expect(attempts.sort()).toEqual([0, 1]);
    expect(await m.CampaignShipping.count({ where: { campaignId: id, failedAt: null } })).toBe(60);
  }, 30_000);

  it("duplicate PrepareContact and DispatchCampaign jobs send once; a crash after the send does not resend", async () => {
    const world = await createCampaignWorld(t.db.sequelize, { contacts: 2 });
    const id = await createCampaign(t.db.sequelize, world, { status: "EM_ANDAMENTO" });
    const [a, b] = world.itemIds as [number, number];
    // Prepare contact a twice (two jobs with Bull's own ids) before the campaign is processed.
    // As ProcessCampaign starts it: the list's snapshot (its jobs are not enqueued here).
    await new SequelizeCampaignStore(t.db.sequelize).startExpansion(id, new Date());
    const prepares = await Promise.all(
      [1, 2].map(() =>
        t.runtime.queues.enqueue("CampaignQueue", "PrepareContact", {
          campaignId: id,
          contactId: a,
        }),
      ),
    );
    await Promise.all(prepares.map((p) => p.finished()));
    const shipping = await until(async () => {
      const s = await m.CampaignShipping.findOne({ where: { campaignId: id, contactId: a } });
      return s?.deliveredAt ? s : undefined;
    }, 5000);
    // A duplicate dispatch of a delivered shipping.
    const dup = await t.runtime.queues.enqueue("CampaignQueue", "DispatchCampaign", {
      campaignId: id,
      campaignShippingId: shipping.id,
    });
    await expect(dup.finished()).resolves.toMatchObject({ outcome: "skipped", reason: "settled" });

    // Contact b: WhatsApp accepted the message, then the worker died before deliveredAt.
    const messages = new MessageService({
      store: new SequelizeMessageStore(t.db.sequelize),
      gateway: wa,
      mediaDir: t.config.mediaDir,
    });
    await messages.send({
      whatsappId: world.whatsappId,
      number: contactNumber(1),
      body: "\u200c Olá Contato 1",
      idempotencyKey: `campaign:${id}:shipping:${b}`,
      record: false,
      paced: false,
    });
    await t.runtime.queues.enqueue("CampaignQueue", "PrepareContact", {
      campaignId: id,
      contactId: b,
    });
    await finished(id);
    const sends = await sendsTo(world);
    expect(sends.map((s) => s.jid)).toEqual([
      `${contactNumber(0)}@s.whatsapp.net`,
      `${contactNumber(1)}@s.whatsapp.net`,
    ]);
  }, 20_000);

  it("Verify re-enqueues a shipping whose dispatch job was lost", async () => {
    const world = await createCampaignWorld(t.db.sequelize, { contacts: 1 });
    const id = await createCampaign(t.db.sequelize, world, { status: "EM_ANDAMENTO" });
    await new SequelizeCampaignStore(t.db.sequelize).startExpansion(id, new Date());
    await m.Campaign.update({ expandedAt: new Date() }, { where: { id } });
    // Prepared an hour ago; its DispatchCampaign job is gone (Redis lost it).
    await m.CampaignShipping.create({
      campaignId: id,
      contactId: world.itemIds[0] as number,
      number: contactNumber(0),
      message: "\u200c Atrasada",
      dueAt: new Date(Date.now() - 3_600_000),
    });
    await verify();
    await finished(id);
    expect((await sendsTo(world)).map((s) => s.text)).toEqual(["\u200c Atrasada"]);
  }, 15_000);

  it("Verify leaves a batch's overdue shippings to their job while it exists, and re-enqueues them one by one once it is gone", async () => {
    const world = await createCampaignWorld(t.db.sequelize, { contacts: 3 });
    const id = await createCampaign(t.db.sequelize, world, { status: "EM_ANDAMENTO" });
    await new SequelizeCampaignStore(t.db.sequelize).startExpansion(id, new Date());
    await m.Campaign.update({ expandedAt: new Date() }, { where: { id } });
    const batchId = `campaign-${id}-dispatch-${world.itemIds[0]}`;
    const rows = await m.CampaignShipping.bulkCreate(
      world.itemIds.map((contactId, i) => ({
        campaignId: id,
        contactId,
        number: contactNumber(i),
        message: `\u200c Lote ${i}`,
        dueAt: new Date(Date.now() - 3_600_000),
        jobId: batchId,
      })),
    );
    // Their batch's job is still there (held back, say by a long queue): nothing is added.
    const held = await queue().add(
      "DispatchCampaign",
      { campaignId: id, shippings: rows.map((r) => ({ campaignShippingId: r.id })) },
      { jobId: batchId, delay: 3_600_000 },
    );
    await verify();
    for (const item of world.itemIds.slice(1)) {
      expect(await queue().getJob(`campaign-${id}-dispatch-${item}`)).toBeNull();
    }
    expect(await sendsTo(world)).toHaveLength(0);
    // Redis lost it: each shipping gets a job of its own, and each contact one message.
    await held.remove();
    await verify();
    await finished(id);
    expect((await sendsTo(world)).map((x) => x.text).sort()).toEqual(
      rows.map((r) => r.message).sort(),
    );
  }, 15_000);
});
