// The four CampaignQueue flows in a real runtime (Node-RED, Postgres, Redis, simulated WhatsApp):
// a campaign goes from PROGRAMADA to FINALIZADA with exactly one send per contact, paced as its
// CampaignSettings say; the original's defects (SPEC §4: 3, 4, 5, 6, 8, 11) do not come back.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SequelizeMessageStore } from "../../../runtime/adapters/db";
import { SequelizeCampaignStore } from "../../../runtime/adapters/db/repositories/campaign-store";
import { SimulatedWhatsApp } from "../../../runtime/adapters/whatsapp";
import { MessageService } from "../../../runtime/services/message.service";
import {
  type CampaignWorld,
  campaignFixture,
  contactNumber,
  createCampaign,
  createCampaignWorld,
  until,
} from "../../helpers/campaigns";
import { type TestRows, testRows } from "../../helpers/rows";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";
import { companySocketOf } from "../../helpers/socket";

let t: TestRuntime;
let wa: SimulatedWhatsApp;
let dbRows: TestRows;

beforeAll(async () => {
  t = await startTestRuntime(await campaignFixture(5), { editor: false });
  wa = new SimulatedWhatsApp(t.redis.redis, { prefix: `${t.config.prefix}:chatia:` });
  dbRows = testRows(t.db.sequelize);
}, 60_000);
afterAll(async () => {
  await t?.stop();
});
beforeEach(async () => {
  await wa.reset();
});

const queue = () => t.runtime.queues.queue("CampaignQueue").bull;

async function verify(): Promise<unknown> {
  const job = await t.runtime.queues.enqueue("CampaignQueue", "VerifyCampaignsDaatabase", {});
  return job.finished();
}

async function campaign(id: number) {
  return dbRows.get("Campaigns", { id });
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
    await dbRows.update("Campaigns", { status: "PROGRAMADA" }, { id });
    await verify();
    const processJobs = await queue().getJobs(["waiting", "active", "delayed", "completed"]);
    expect(processJobs.filter((j) => j.name === "ProcessCampaign").map((j) => j.id)).toEqual([
      `campaign-${id}`,
    ]);

    const done = await finished(id, 10_000);
    expect(done.completedAt).toBeInstanceOf(Date);
    expect(done.shippingsLeft).toBe(0);
    const shippings = await dbRows.find("CampaignShipping", { campaignId: id }, ["contactId"]);
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
    expect(await dbRows.count("Messages")).toBe(0);
  }, 30_000);

  it("the company's socket hears company-<id>-campaign: EM_ANDAMENTO, then FINALIZADA", async () => {
    const world = await createCampaignWorld(t.db.sequelize, { contacts: 3 });
    const socket = await companySocketOf(t, world.companyId);
    try {
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
    await dbRows.update("Campaigns", { status: "CANCELADA" }, { id });
    // The connection's sender stops: once none of its jobs is waiting, delayed or running, nothing
    // is left that could send (Verify, the only other starter, runs by hand here).
    await until(async () => {
      const pending = await queue().getJobs(["waiting", "delayed", "active"]);
      return pending.some((j) => j.data.whatsappId === world.whatsappId) ? undefined : true;
    }, 10_000);
    expect((await sendsTo(world)).length).toBeLessThanOrEqual(2);
    expect((await campaign(id)).status).toBe("CANCELADA");
    const undelivered = await dbRows.count("CampaignShipping", {
      campaignId: id,
      deliveredAt: null,
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
      const s = await dbRows.findOne("CampaignShipping", { campaignId: id });
      return s?.confirmationRequestedAt ? s : undefined;
    }, 5000);
    expect(shipping.deliveredAt).toBeNull();
    const sends = await sendsTo(world);
    expect(sends.map((s) => s.text)).toEqual(["\u200c Contato 0, podemos enviar a oferta?"]);
    expect((await campaign(id)).status).toBe("EM_ANDAMENTO");
    // The contact confirms (the inbound listener's part) and the dispatch runs again.
    const confirmed = { confirmation: true, confirmedAt: new Date() };
    await dbRows.update("CampaignShipping", confirmed, { id: shipping.id });
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
      await dbRows.insert("Queues", { name: "Vendas", color: "#fff", companyId: world.companyId })
    ).id;
    const userId = (
      await dbRows.insert("Users", {
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
    const ticket = await dbRows.get("Tickets", { companyId: world.companyId });
    expect(ticket).toMatchObject({ queueId, userId, status: "open", whatsappId: world.whatsappId });
    const messages = await dbRows.find("Messages", { ticketId: ticket.id });
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
    const failed = await dbRows.get("CampaignShipping", { campaignId: missing });
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
    // The connection's sender fails visibly, retried per the manifest until its attempts run out.
    const failedJob = await until(async () => {
      const failed = await queue().getFailed();
      return failed.find(
        (job) => job.name === "DispatchCampaign" && job.data.whatsappId === world.whatsappId,
      );
    }, 8000);
    expect(failedJob.attemptsMade).toBe(3);
    expect(failedJob.failedReason).toMatch(/DISCONNECTED/);
    expect((await campaign(id)).status).toBe("EM_ANDAMENTO");
    expect(await sendsTo(world)).toHaveLength(0);

    // The connection comes back; Verify's reconcile starts the connection's sender again when a
    // shipping is overdue (it is not left failed for good).
    await dbRows.update(
      "Whatsapps",
      { status: "CONNECTED" },
      { id: world.whatsappId, deletedAt: null },
    );
    await dbRows.update(
      "CampaignShipping",
      { dueAt: new Date(Date.now() - 3_600_000) },
      { campaignId: id },
    );
    await verify();
    await finished(id);
    expect(await sendsTo(world)).toHaveLength(1);
    // Verify again: nothing overdue is left, so nothing is added.
    const before = (await queue().getJobs(["waiting", "delayed", "active"])).length;
    await verify();
    expect((await queue().getJobs(["waiting", "delayed", "active"])).length).toBeLessThanOrEqual(
      before,
    );
  }, 20_000);

  it("60 contacts without pacing: Redis holds the connection's sender, not a job per contact; a send failing mid-round retries it, and no one gets two", async () => {
    const world = await createCampaignWorld(t.db.sequelize, { contacts: 60 });
    const id = await createCampaign(t.db.sequelize, world);
    // Slow sends, so the failure below lands while the sender is at work.
    await wa.setBehaviour(world.whatsappId, { latencyMs: 50 });
    await verify();
    await until(async () => ((await sendsTo(world)).length >= 5 ? true : undefined), 8000);
    const pending = await queue().getJobs(["waiting", "delayed", "active"]);
    const dispatches = pending.filter((j) => j.data.whatsappId === world.whatsappId);
    expect(dispatches.length).toBeGreaterThan(0);
    expect(dispatches.length).toBeLessThanOrEqual(3);
    for (const job of dispatches) {
      expect(job.id).toMatch(new RegExp(`^campaign-sender-${world.whatsappId}-`));
      expect(job.data).toEqual({ whatsappId: world.whatsappId, companyId: world.companyId });
    }
    // The next send fails (WhatsApp refused it): the sender's job is retried.
    await wa.setBehaviour(world.whatsappId, { failNext: 1 });
    await finished(id, 15_000);
    const jids = (await sendsTo(world)).map((x) => x.jid);
    expect(new Set(jids).size).toBe(60);
    expect(jids).toHaveLength(60);
    expect(await dbRows.count("CampaignShipping", { campaignId: id, failedAt: null })).toBe(60);
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
      const s = await dbRows.findOne("CampaignShipping", { campaignId: id, contactId: a });
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
    await dbRows.update("Campaigns", { expandedAt: new Date() }, { id });
    // Prepared an hour ago; its DispatchCampaign job is gone (Redis lost it).
    await dbRows.insert("CampaignShipping", {
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

  it("upgrade in place: per-contact DispatchCampaign and PrepareContact jobs of the earlier version finish, each contact once", async () => {
    const pacing = { messageInterval: 0.3, longerIntervalAfter: 0, greaterInterval: 0 };
    const world = await createCampaignWorld(t.db.sequelize, { contacts: 12, pacing });
    const id = await createCampaign(t.db.sequelize, world, { status: "EM_ANDAMENTO" });
    // What the earlier version left in Postgres and Redis: the snapshot and expansion done, the
    // first 8 contacts prepared (shippings due 0.3 s apart), each with its own delayed
    // DispatchCampaign (the first four as one batch), the last 4 still in a PrepareContact page.
    const store = new SequelizeCampaignStore(t.db.sequelize);
    await store.startExpansion(id, new Date());
    await dbRows.update("Campaigns", { expandedAt: new Date() }, { id });
    const start = Date.now() + 1_500;
    const dueAt = (i: number) => new Date(start + i * 300);
    const rows = await dbRows.insertMany(
      "CampaignShipping",
      world.itemIds.slice(0, 8).map((contactId, i) => ({
        campaignId: id,
        contactId,
        number: contactNumber(i),
        message: `\u200c Antiga ${i}`,
        dueAt: dueAt(i),
        jobId: `campaign-${id}-dispatch-${i < 4 ? world.itemIds[0] : contactId}`,
      })),
    );
    const delay = (i: number) => dueAt(i).getTime() - 500 - Date.now();
    await queue().add(
      "DispatchCampaign",
      {
        campaignId: id,
        shippings: rows
          .slice(0, 4)
          .map((r) => ({ campaignShippingId: r.id, contactListItemId: r.contactId })),
      },
      { jobId: `campaign-${id}-dispatch-${world.itemIds[0]}`, delay: delay(0) },
    );
    for (const [i, r] of rows.entries()) {
      if (i < 4) continue;
      await queue().add(
        "DispatchCampaign",
        { campaignId: id, campaignShippingId: r.id, contactListItemId: r.contactId },
        { jobId: `campaign-${id}-dispatch-${r.contactId}`, delay: delay(i) },
      );
    }
    const page = world.itemIds.slice(8).map((contactId, k) => ({
      contactId,
      dueAt: dueAt(8 + k).toISOString(),
    }));
    await queue().add(
      "PrepareContact",
      { campaignId: id, contacts: page },
      { jobId: `campaign-${id}-page-${world.itemIds[8]}` },
    );
    // The new version's sender, armed by the page, races the old jobs for the same shippings.
    await finished(id, 15_000);
    const sends = await sendsTo(world);
    expect(sends.map((x) => x.jid).sort()).toEqual(
      world.itemIds.map((_, i) => `${contactNumber(i)}@s.whatsapp.net`).sort(),
    );
    const settled = await dbRows.find("CampaignShipping", { campaignId: id });
    expect(settled).toHaveLength(12);
    expect(settled.every((r) => r.deliveredAt !== null && r.failedAt === null)).toBe(true);
    // Still paced: in due order, each at (not before) its due time.
    const byJid = new Map(sends.map((x) => [x.jid, x.startedAt]));
    world.itemIds.forEach((_, i) => {
      const at = byJid.get(`${contactNumber(i)}@s.whatsapp.net`) ?? 0;
      expect(at).toBeGreaterThanOrEqual(dueAt(i).getTime() - 5);
    });
  }, 30_000);

  it("two campaigns on one connection take turns by due time; a third on another connection is not held up", async () => {
    const pacing = { messageInterval: 0.25, longerIntervalAfter: 0, greaterInterval: 0 };
    const shared = await createCampaignWorld(t.db.sequelize, { contacts: 6, pacing });
    // Both start in 1.5 s (expanded by then), the second 125 ms after the first.
    const at = Date.now() + 1_500;
    const big = await createCampaign(t.db.sequelize, shared, {
      message1: "Grande {nome}",
      scheduledAt: new Date(at),
    });
    const small = await createCampaign(t.db.sequelize, shared, {
      message1: "Pequena {nome}",
      scheduledAt: new Date(at + 125),
    });
    // A huge campaign without pacing hogs the other connection's neighbour… and this one, small,
    // on a connection of its own, still goes out at its pace.
    // (Slow sends: without pacing, up to 4 batches of 32 are under way at once.)
    const hog = await createCampaignWorld(t.db.sequelize, { contacts: 2000 });
    const hogId = await createCampaign(t.db.sequelize, hog);
    await wa.setBehaviour(hog.whatsappId, { latencyMs: 200 });
    const alone = await createCampaignWorld(t.db.sequelize, { contacts: 3, pacing });
    const aloneId = await createCampaign(t.db.sequelize, alone, { message1: "Só {nome}" });
    await verify();
    await Promise.all([finished(big, 15_000), finished(small, 15_000), finished(aloneId, 15_000)]);

    // The shared connection: the two campaigns' messages interleave by due time.
    const sends = await sendsTo(shared);
    expect(sends).toHaveLength(12);
    const shippings = await dbRows.find("CampaignShipping", { campaignId: [big, small] });
    const due = new Map(
      shippings.map((r) => [`${r.campaignId}:${r.number}`, (r.dueAt as Date).getTime()]),
    );
    const campaignOf = (text: string | undefined) => (text?.includes("Grande") ? big : small);
    const dues = sends.map(
      (x) => due.get(`${campaignOf(x.text)}:${x.jid.split("@")[0]}`) ?? Number.NaN,
    );
    expect(dues).toEqual([...dues].sort((a, b) => a - b));
    const order = sends.map((x) => (campaignOf(x.text) === big ? "G" : "P"));
    expect(order.join("")).toBe("GPGPGPGPGPGP");

    // The other connection's small campaign went out while the hog was still sending.
    const aloneSends = await sendsTo(alone);
    expect(aloneSends).toHaveLength(3);
    const hogSends = await until(async () => {
      const got = await sendsTo(hog);
      return got.length === 2000 ? got : undefined;
    }, 30_000);
    const lastAlone = Math.max(...aloneSends.map((x) => x.startedAt));
    expect(lastAlone).toBeLessThan(Math.max(...hogSends.map((x) => x.startedAt)));
    await finished(hogId, 30_000);
  }, 60_000);

  it("a cancelled campaign stops within a second; the other campaign on its connection goes on", async () => {
    const world = await createCampaignWorld(t.db.sequelize, { contacts: 600 });
    const id = await createCampaign(t.db.sequelize, world);
    // Slow enough sends that the cancel lands mid-campaign: without pacing, a connection's sender
    // has up to 4 batches of 32 under way.
    await wa.setBehaviour(world.whatsappId, { latencyMs: 200 });
    await verify();
    await until(async () => ((await sendsTo(world)).length >= 20 ? true : undefined), 10_000);
    await dbRows.update("Campaigns", { status: "CANCELADA" }, { id });
    const cancelledAt = Date.now();
    // Another campaign on the same connection, started after the cancel.
    const next = await createCampaign(t.db.sequelize, world, { message1: "Depois {nome}" });
    await verify();
    await finished(next, 20_000);
    const sends = await sendsTo(world);
    const cancelled = sends.filter((x) => !x.text?.includes("Depois"));
    expect(cancelled.length).toBeLessThan(600);
    const lastCancelled = Math.max(...cancelled.map((x) => x.startedAt));
    expect(lastCancelled - cancelledAt).toBeLessThanOrEqual(1_000);
    expect(sends.filter((x) => x.text?.includes("Depois"))).toHaveLength(600);
    expect((await campaign(id)).status).toBe("CANCELADA");
  }, 40_000);
});
