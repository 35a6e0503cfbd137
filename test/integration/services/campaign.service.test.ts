// CampaignService against a real Postgres and Redis (simulated WhatsApp driver, real
// MessageService and TicketService). The CampaignQueue is a recording stand-in that, like Bull,
// keeps the first job of an id; test/integration/runtime/campaign-flows.test.ts runs real Bull.
// The connections' sender leases are the real Redis ones.
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db/migrator";
import { SequelizeMessageStore } from "../../../runtime/adapters/db/repositories";
import { SequelizeCampaignStore } from "../../../runtime/adapters/db/repositories/campaign-store";
import { SequelizeTicketStore } from "../../../runtime/adapters/db/repositories/ticket-store";
import { KeyedLease } from "../../../runtime/adapters/redis";
import { SimulatedWhatsApp } from "../../../runtime/adapters/whatsapp";
import {
  type CampaignQueue,
  CampaignService,
  type DispatchBatchData,
  type JobToEnqueue,
} from "../../../runtime/services/campaign.service";
import {
  type CampaignPacing,
  DEFAULT_PACING,
  dueOffsetMs,
  parsePacing,
} from "../../../runtime/services/campaign-pacing";
import { MessageService } from "../../../runtime/services/message.service";
import { TicketService } from "../../../runtime/services/ticket.service";
import {
  type CampaignWorld,
  contactNumber,
  createCampaign,
  createCampaignWorld,
} from "../../helpers/campaigns";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { createTestRedis, type TestRedis } from "../../helpers/redis";
import { type TestRows, testRows } from "../../helpers/rows";

let db: TestDatabase;
let dbRows: TestRows;
/** The CampaignShipping columns these tests read. */
interface Shipping {
  contactId: number;
  message: string;
  dueAt: Date | null;
}
let r: TestRedis;
let wa: SimulatedWhatsApp;
let jobs: Map<string, JobToEnqueue>;
let randomValues: number[];

const recordingQueue: CampaignQueue = {
  place: (job) => ({ ...job, queue: "CampaignQueue" }),
  async addBulk(_name, added) {
    for (const job of added)
      if (!jobs.has(job.jobId)) jobs.set(job.jobId, recordingQueue.place(job));
  },
  async hasJob(jobId) {
    return jobs.has(jobId);
  },
  async removeCompleted() {
    return false;
  },
  async reviveDispatch(jobId) {
    return jobs.has(jobId) ? "pending" : "missing";
  },
};

function service(options: { batchBudgetMs?: number } = {}): CampaignService {
  return new CampaignService({
    ...options,
    store: new SequelizeCampaignStore(db.sequelize),
    queue: recordingQueue,
    messages: new MessageService({
      store: new SequelizeMessageStore(db.sequelize),
      gateway: wa,
      mediaDir: "/nonexistent",
    }),
    tickets: new TicketService(new SequelizeTicketStore(db.sequelize)),
    mediaDir: "/nonexistent",
    random: () => randomValues.shift() ?? 0,
    leases: new KeyedLease(r.redis, { prefix: r.prefix, name: "campaign-sender" }),
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  dbRows = testRows(db.sequelize);
  r = createTestRedis();
  wa = new SimulatedWhatsApp(r.redis, { prefix: r.prefix });
}, 60_000);
afterAll(async () => {
  await r?.cleanup();
  await db?.drop();
});
beforeEach(async () => {
  jobs = new Map();
  randomValues = [];
  await wa.reset();
});

/** The gap before each contact, summed: the rule as a loop (the service uses a closed form). */
function dueBySummingGaps(p: CampaignPacing, position: number): number {
  let seconds = 0;
  for (let sent = 1; sent <= position; sent++) {
    const longer = p.longerIntervalAfter > 0 && sent % p.longerIntervalAfter === 0;
    seconds += longer ? p.greaterInterval : p.messageInterval;
  }
  return Math.round(seconds * 1000);
}

describe("pacing", () => {
  it("is in seconds: contact i waits messageInterval after each message, greaterInterval after every L-th", () => {
    // The defaults (20, 20, 60): the 21st contact (position 20) comes 19·20 + 60 s after the
    // first. The original added greaterInterval·1000 as seconds there (defect 5): 60,000 s.
    expect(dueOffsetMs(DEFAULT_PACING, 0)).toBe(0);
    expect(dueOffsetMs(DEFAULT_PACING, 1)).toBe(20_000);
    expect(dueOffsetMs(DEFAULT_PACING, 19)).toBe(380_000);
    expect(dueOffsetMs(DEFAULT_PACING, 20)).toBe(440_000);
    expect(dueOffsetMs(DEFAULT_PACING, 21)).toBe(460_000);
    expect(dueOffsetMs(DEFAULT_PACING, 40)).toBe(2 * 440_000);
    const cases: CampaignPacing[] = [
      { messageInterval: 2, longerIntervalAfter: 3, greaterInterval: 10 },
      { messageInterval: 0.5, longerIntervalAfter: 1, greaterInterval: 7 },
      { messageInterval: 5, longerIntervalAfter: 0, greaterInterval: 99 },
      { messageInterval: 0, longerIntervalAfter: 0, greaterInterval: 0 },
    ];
    for (const p of cases) {
      for (let i = 0; i < 50; i++) expect(dueOffsetMs(p, i)).toBe(dueBySummingGaps(p, i));
    }
  });

  it("reads CampaignSettings' JSON text, with the defaults for what is missing or wrong", () => {
    expect(parsePacing({})).toEqual(DEFAULT_PACING);
    expect(
      parsePacing({ messageInterval: "5", longerIntervalAfter: '"3"', greaterInterval: "-1" }),
    ).toEqual({ messageInterval: 5, longerIntervalAfter: 3, greaterInterval: 60 });
  });
});

describe("CampaignService", () => {
  async function running(world: CampaignWorld, fields: Record<string, unknown> = {}) {
    const id = await createCampaign(db.sequelize, world, { status: "EM_ANDAMENTO", ...fields });
    const loaded = await service().loadCampaign(id, new Date());
    if (loaded === null) throw new Error("campaign not loaded");
    return { id, loaded };
  }

  it("expands the list into shippings in id order, each at its paced time, and arms the connection's sender", async () => {
    const pacing = { messageInterval: 3, longerIntervalAfter: 2, greaterInterval: 30 };
    const world = await createCampaignWorld(db.sequelize, { contacts: 6, pacing });
    const { id, loaded } = await running(world);
    expect(loaded).toMatchObject({ shippingsLeft: 6, pacing, expanded: false });
    // The last item leaves the list after the snapshot, before the expansion reaches it.
    await dbRows.remove("ContactListItems", { id: world.itemIds[5] });
    const result = await service().expand(loaded, new Date());
    expect(result).toMatchObject({ contacts: 5, finished: false });
    const start = Date.parse(loaded.pacedFrom);
    const rows = await dbRows.find<Shipping>("CampaignShipping", { campaignId: id }, ["contactId"]);
    expect(rows.map((r) => r.contactId)).toEqual(world.itemIds.slice(0, 5));
    expect(rows.map((r) => (r.dueAt as Date).getTime() - start)).toEqual([
      0, 3_000, 33_000, 36_000, 66_000,
    ]);
    expect(
      rows.every((r) => r.message === `\u200c Olá Contato ${world.itemIds.indexOf(r.contactId)}`),
    ).toBe(true);
    // Redis gets the connection's sender, not a job per contact.
    expect(jobs.size).toBeGreaterThan(0);
    for (const [jobId, job] of jobs) {
      expect(jobId).toMatch(new RegExp(`^campaign-sender-${world.whatsappId}-at-\\d+$`));
      expect(job).toMatchObject({
        job: "DispatchCampaign",
        data: { whatsappId: world.whatsappId, companyId: world.companyId },
      });
    }
    // The contact that left counted off once: 5 left for 5 shippings.
    const [left] = await db.sequelize.query<{ left: number }>(
      `SELECT sum("left")::int AS left FROM "CampaignProgress" WHERE "campaignId" = $1`,
      { bind: [id], type: QueryTypes.SELECT },
    );
    expect(left?.left).toBe(5);
    // Loaded again (a retried job): the snapshot and pacing start are kept; nothing is re-added.
    const again = await service().loadCampaign(id, new Date(Date.now() + 60_000));
    expect(again).toMatchObject({ pacedFrom: loaded.pacedFrom, shippingsLeft: 6, expanded: true });
    expect(await service().expand(again as never, new Date())).toMatchObject({ contacts: 0 });
    expect(await dbRows.count("CampaignShipping", { campaignId: id })).toBe(5);
  });

  it("an expansion interrupted midway resumes after the last shipping written, at its pacing position", async () => {
    const pacing = { messageInterval: 2, longerIntervalAfter: 0, greaterInterval: 0 };
    const world = await createCampaignWorld(db.sequelize, { contacts: 4, pacing });
    const { id, loaded } = await running(world);
    const start = Date.parse(loaded.pacedFrom);
    // A first run wrote the first two shippings, noted them, and died.
    await db.sequelize.query(
      `UPDATE "Campaigns" SET "expandedThrough" = $2, "expandedCount" = 2 WHERE id = $1`,
      { bind: [id, world.itemIds[1]] },
    );
    await dbRows.insertMany(
      "CampaignShipping",
      world.itemIds.slice(0, 2).map((contactId, i) => ({
        campaignId: id,
        contactId,
        number: `n${i}`,
        message: "antes",
        dueAt: new Date(start + i * 2_000),
      })),
    );
    expect(await service().expand(loaded, new Date())).toMatchObject({ contacts: 2 });
    const rows = await dbRows.find<Shipping>("CampaignShipping", { campaignId: id }, ["contactId"]);
    expect(rows.map((r) => (r.message.startsWith("\u200c") ? "novo" : r.message))).toEqual([
      "antes",
      "antes",
      "novo",
      "novo",
    ]);
    expect(rows.map((r) => (r.dueAt as Date).getTime() - start)).toEqual([0, 2_000, 4_000, 6_000]);
  });

  it("expansion fills each contact's picked message and confirmation request in SQL as prepare() renders them", async () => {
    const world = await createCampaignWorld(db.sequelize, {
      contacts: 3,
      variables: [{ key: "loja", value: "Centro $1 {nome}" }],
    });
    const { id, loaded } = await running(world, {
      message1: "",
      message2: "A {nome}'s",
      message4: "B {numero} {email} {loja} {outro}",
      confirmation: true,
      confirmationMessage1: "{nome}, pode?",
      confirmationMessage3: "sem variáveis",
    });
    // Per contact its message, then its request: as filler() draws them.
    randomValues = [0.99, 0, 0, 0.99, 0.6, 0.4];
    await service().expand(loaded, new Date());
    const rows = await dbRows.find<Shipping>("CampaignShipping", { campaignId: id }, ["contactId"]);
    expect(rows.map((r) => [r.message, r.confirmationMessage])).toEqual([
      ["\u200c B 5511910000000 c0@example.com Centro $1 {nome} {outro}", "\u200c Contato 0, pode?"],
      ["\u200c A Contato 1's", "\u200c sem variáveis"],
      ["\u200c B 5511910000002 c2@example.com Centro $1 {nome} {outro}", "\u200c Contato 2, pode?"],
    ]);
    expect(randomValues).toEqual([]);
  });

  it("prepares one of the non-empty messages at random, variables filled, marked U+200C, once", async () => {
    const world = await createCampaignWorld(db.sequelize, {
      contacts: 1,
      variables: [{ key: "loja", value: "Centro $1" }],
    });
    const { id } = await running(world, {
      message1: "",
      message2: "A {nome}",
      message3: null,
      message4: "B {numero} {email} {loja} {outro}",
    });
    const contactId = world.itemIds[0] as number;
    randomValues = [0.99];
    const dueAt = new Date(Date.now() + 5_000);
    const first = await service().prepare(
      { campaignId: id, contactId, dueAt: dueAt.toISOString() },
      new Date(),
    );
    if (!("dispatch" in first)) throw new Error("expected a dispatch");
    // Its connection's sender is armed for its due time (less the lead), not a job of its own.
    expect(first.dispatch).toMatchObject({
      job: "DispatchCampaign",
      jobId: `campaign-sender-${world.whatsappId}-at-${dueAt.getTime() - 500}`,
      data: { whatsappId: world.whatsappId, companyId: world.companyId },
    });
    expect(first.dispatch.delayMs).toBeGreaterThan(4_000);
    let shipping = await dbRows.get<Shipping>("CampaignShipping", { id: first.shippingId });
    expect(shipping.message).toBe("\u200c B 5511910000000 c0@example.com Centro $1 {outro}");
    // A duplicate PrepareContact (another random pick) keeps the first message and due time.
    randomValues = [0];
    const second = await service().prepare({ campaignId: id, contactId }, new Date());
    expect(second).toMatchObject({ shippingId: first.shippingId });
    shipping = await dbRows.get<Shipping>("CampaignShipping", { id: first.shippingId });
    expect(shipping.message).toBe("\u200c B 5511910000000 c0@example.com Centro $1 {outro}");
    expect(shipping.dueAt?.getTime()).toBe(dueAt.getTime());
    expect(await dbRows.count("CampaignShipping", { campaignId: id })).toBe(1);
  });

  it("prepares a page of contacts in one statement; a page prepared twice creates nothing twice", async () => {
    const world = await createCampaignWorld(db.sequelize, {
      contacts: 4,
      variables: [{ key: "loja", value: "Centro" }],
    });
    const { id } = await running(world, { message1: "A {nome} {loja}", message2: "B {numero}" });
    const [a, b, c, gone] = world.itemIds as [number, number, number, number];
    // The last item leaves the list after the snapshot: it no longer counts.
    await dbRows.remove("ContactListItems", { id: gone });
    const dueAt = new Date(Date.now() + 5_000).toISOString();
    const contacts = [a, b, c, gone].map((contactId) => ({ contactId, dueAt }));
    const statements: string[] = [];
    const hook = (options: { sql?: string }, query: { sql?: string }) =>
      statements.push(String(query?.sql ?? options?.sql ?? ""));
    db.sequelize.addHook("afterQuery", "count-page", hook as never);
    randomValues = [0, 0.99, 0];
    let first: Awaited<ReturnType<CampaignService["preparePage"]>>;
    try {
      first = await service().preparePage({ campaignId: id, contacts }, new Date());
    } finally {
      db.sequelize.removeHook("afterQuery", "count-page");
    }
    expect(statements.filter((sql) => sql.includes(`INSERT INTO "CampaignShipping"`))).toHaveLength(
      1,
    );
    expect(first).toMatchObject({ campaignId: id, prepared: 3, skipped: 1, finished: false });
    const rows = await dbRows.find<Shipping>("CampaignShipping", { campaignId: id }, ["contactId"]);
    // One job for the page: the connection's sender, armed for the first due one.
    const senderId = `campaign-sender-${world.whatsappId}-at-${Date.parse(dueAt) - 500}`;
    expect(first.dispatches).toHaveLength(1);
    expect(first.dispatches[0]).toMatchObject({
      job: "DispatchCampaign",
      jobId: senderId,
      data: { whatsappId: world.whatsappId, companyId: world.companyId },
    });
    expect(first.dispatches[0]?.delayMs).toBeGreaterThan(4_000);
    const senderRows = `campaign-sender-${world.whatsappId}`;
    expect(rows.map((r) => r.jobId)).toEqual([senderRows, senderRows, senderRows]);
    expect(rows.map((r) => r.message)).toEqual([
      "\u200c A Contato 0 Centro",
      "\u200c B 5511910000001",
      "\u200c A Contato 2 Centro",
    ]);
    const [left] = await db.sequelize.query<{ left: number }>(
      `SELECT sum("left")::int AS left FROM "CampaignProgress" WHERE "campaignId" = $1`,
      { bind: [id], type: QueryTypes.SELECT },
    );
    expect(left?.left).toBe(3);
    // The first contact was sent meanwhile; the page runs again (another random pick).
    await dbRows.update("CampaignShipping", { deliveredAt: new Date() }, { contactId: a });
    randomValues = [0.99, 0, 0.99];
    const again = await service().preparePage(
      { campaignId: id, contacts: contacts.slice(0, 3) },
      new Date(),
    );
    expect(again).toMatchObject({ prepared: 2, skipped: 1 });
    // The same sender arm (and job id): Bull keeps one.
    expect(again.dispatches.map((d) => d.jobId)).toEqual([senderId]);
    expect(await dbRows.count("CampaignShipping", { campaignId: id })).toBe(3);
    const after = await dbRows.find<Shipping>("CampaignShipping", { campaignId: id }, [
      "contactId",
    ]);
    expect(after.map((r) => r.message)).toEqual(rows.map((r) => r.message));
  });

  it("a contact that leaves the list counts off once: before its shipping was prepared, or with it", async () => {
    const world = await createCampaignWorld(db.sequelize, { contacts: 3 });
    const { id } = await running(world);
    const [a, b, c] = world.itemIds as [number, number, number];
    const left = async () => {
      const [row] = await db.sequelize.query<{ left: number }>(
        `SELECT sum("left")::int AS left FROM "CampaignProgress" WHERE "campaignId" = $1`,
        { bind: [id], type: QueryTypes.SELECT },
      );
      return row?.left;
    };
    const dueAt = new Date().toISOString();
    const page = { campaignId: id, contacts: [a, b, c].map((contactId) => ({ contactId, dueAt })) };
    // `a` leaves before its page is prepared; the page runs twice (a retry): one count off.
    await dbRows.remove("ContactListItems", { id: a });
    await service().preparePage(page, new Date());
    await service().preparePage(page, new Date());
    expect(await left()).toBe(2);
    const shipping = async (contactId: number) =>
      dbRows.get<Shipping>("CampaignShipping", { campaignId: id, contactId });
    const [shipB, shipC] = [await shipping(b), await shipping(c)];
    expect(
      await service().dispatch({ campaignId: id, campaignShippingId: shipC.id }),
    ).toMatchObject({ outcome: "delivered", progress: { finished: false } });
    expect(await left()).toBe(1);
    // `b` leaves with its prepared shipping (the delete cascades): counted off once, also when
    // its page runs again; its dispatch finds nothing to send and finishes the campaign.
    await dbRows.remove("ContactListItems", { id: b });
    expect(await left()).toBe(0);
    await service().preparePage(page, new Date());
    expect(await left()).toBe(0);
    expect((await dbRows.get("Campaigns", { id })).status).toBe("EM_ANDAMENTO");
    expect(
      await service().dispatch({ campaignId: id, campaignShippingId: shipB.id }),
    ).toMatchObject({ outcome: "skipped", reason: "missing", progress: { finished: true } });
    expect((await dbRows.get("Campaigns", { id })).status).toBe("FINALIZADA");
    expect(await wa.sends({ connectionId: world.whatsappId })).toHaveLength(1);
  });

  it("a running campaign, or its contact list, can still be deleted with its shippings", async () => {
    const world = await createCampaignWorld(db.sequelize, { contacts: 4 });
    const one = (await running(world)).id;
    const two = (await running(world)).id;
    const dueAt = new Date().toISOString();
    const contacts = world.itemIds.map((contactId) => ({ contactId, dueAt }));
    await service().preparePage({ campaignId: one, contacts }, new Date());
    await service().preparePage({ campaignId: two, contacts }, new Date());
    // The campaign's delete cascades to its shippings; the trigger finds it gone and does nothing.
    await dbRows.remove("Campaigns", { id: one });
    expect(await dbRows.count("CampaignShipping", { campaignId: one })).toBe(0);
    const forgotten = () =>
      db.sequelize.query<{ campaignId: number }>(
        `SELECT "campaignId" FROM "CampaignForgottenContacts" WHERE "campaignId" IN (${one}, ${two})`,
        { type: QueryTypes.SELECT },
      );
    expect(await forgotten()).toHaveLength(0);
    // The list's delete cascades to its items and their shippings: each counted off once, and
    // Verify finishes the campaign nothing is left of.
    await dbRows.remove("ContactListItems", { contactListId: world.listId });
    expect(await forgotten()).toHaveLength(4);
    await dbRows.update("Campaigns", { expandedAt: new Date() }, { id: two });
    const found = await service().findCampaigns(new Date());
    expect(found.finished).toEqual([two]);
    expect((await dbRows.get("Campaigns", { id: two })).status).toBe("FINALIZADA");
  });

  it("a batch that runs out of time hands the rest on to a job of its own, which its rows name", async () => {
    const world = await createCampaignWorld(db.sequelize, { contacts: 3 });
    const { id } = await running(world);
    const dueAt = new Date().toISOString();
    const contacts = world.itemIds.map((contactId) => ({ contactId, dueAt }));
    await service().preparePage({ campaignId: id, contacts }, new Date());
    // A batch job of an earlier version, for the three.
    const prepared = await dbRows.find<Shipping>("CampaignShipping", { campaignId: id }, [
      "contactId",
    ]);
    const batch: DispatchBatchData = {
      campaignId: id,
      shippings: prepared.map((r) => ({
        campaignShippingId: r.id,
        contactListItemId: r.contactId,
      })),
    };
    jobs.clear();
    // No time at all: the first shipping is sent, the other two go on.
    const first = await service({ batchBudgetMs: 0 }).dispatchBatch(batch);
    expect(first).toMatchObject({ shippings: 3, handedOn: 2, outcomes: { delivered: 1 } });
    const tailId = `campaign-${id}-dispatch-${world.itemIds[1]}-rest`;
    const tail = jobs.get(tailId);
    expect(tail?.data).toEqual({ campaignId: id, shippings: batch.shippings.slice(1) });
    const rows = await dbRows.find<Shipping>("CampaignShipping", { campaignId: id }, ["contactId"]);
    expect(rows.map((row) => row.jobId)).toEqual([
      `campaign-sender-${world.whatsappId}`,
      tailId,
      tailId,
    ]);
    const rest = await service().dispatchBatch(tail?.data as unknown as DispatchBatchData);
    expect(rest).toMatchObject({
      handedOn: 0,
      outcomes: { delivered: 2 },
      progress: { finished: true },
    });
    expect(await wa.sends({ connectionId: world.whatsappId })).toHaveLength(3);
  });

  it("a connection's sender sends what is due of its campaigns by due time, then re-arms for the next", async () => {
    const world = await createCampaignWorld(db.sequelize, { contacts: 3 });
    const one = (await running(world)).id;
    const two = (await running(world)).id;
    const other = await createCampaignWorld(db.sequelize, { contacts: 1 });
    const elsewhere = (await running(other)).id;
    const base = Date.now();
    // Interleaved due times across two campaigns on the connection; one far ahead.
    const plan: [number, number, number][] = [
      [one, 0, -300],
      [two, 0, -200],
      [one, 1, -100],
      [two, 1, 100],
      [one, 2, 60_000],
      [two, 2, 120_000],
    ];
    for (const [campaignId, i, offset] of plan) {
      await dbRows.insert("CampaignShipping", {
        campaignId,
        contactId: world.itemIds[i] as number,
        number: contactNumber(i),
        message: `\u200c c${campaignId}-${i}`,
        dueAt: new Date(base + offset),
      });
    }
    await dbRows.insert("CampaignShipping", {
      campaignId: elsewhere,
      contactId: other.itemIds[0] as number,
      number: contactNumber(0),
      message: "\u200c outra conexão",
      dueAt: new Date(base - 1_000),
    });
    const result = await service().dispatchSender({
      whatsappId: world.whatsappId,
      companyId: world.companyId,
    });
    expect(result).toMatchObject({ busy: false, outcomes: { delivered: 4 } });
    const sends = await wa.sends({ connectionId: world.whatsappId });
    expect(sends.map((x) => x.text)).toEqual([
      `\u200c c${one}-0`,
      `\u200c c${two}-0`,
      `\u200c c${one}-1`,
      `\u200c c${two}-1`,
    ]);
    // Re-armed for the next one due (60 s ahead), less the lead; the other connection untouched.
    const next = base + 60_000 - 500;
    expect(result.next).toBe(new Date(next).toISOString());
    expect([...jobs.keys()]).toEqual([`campaign-sender-${world.whatsappId}-at-${next}`]);
    expect(await wa.sends({ connectionId: other.whatsappId })).toHaveLength(0);
    // Another process holds the connection: nothing is sent, it comes back in a second.
    const lease = await new KeyedLease(r.redis, {
      prefix: r.prefix,
      name: "campaign-sender",
    }).tryTake(world.whatsappId, 10_000);
    jobs.clear();
    expect(await service().dispatchSender({ whatsappId: world.whatsappId })).toMatchObject({
      busy: true,
    });
    expect([...jobs.values()].map((j) => j.delayMs)).toEqual([expect.any(Number)]);
    expect([...jobs.values()][0]?.delayMs).toBeLessThanOrEqual(2_000);
    await lease?.release();
    // A cancelled campaign leaves the connection's schedule at once.
    await dbRows.update("Campaigns", { status: "CANCELADA" }, { id: one });
    await dbRows.update(
      "CampaignShipping",
      { dueAt: new Date(Date.now() - 1_000) },
      { campaignId: [one, two], deliveredAt: null },
    );
    const after = await service().dispatchSender({ whatsappId: world.whatsappId });
    expect(after).toMatchObject({ outcomes: { delivered: 1 } });
    expect((await wa.sends({ connectionId: world.whatsappId })).at(-1)?.text).toBe(
      `\u200c c${two}-2`,
    );
    // It comes back for a last look from the head of the schedule, finds nothing, and stops.
    jobs.clear();
    const last = await service().dispatchSender({ whatsappId: world.whatsappId });
    expect(last).toMatchObject({ outcomes: { delivered: 0 }, next: null });
    expect(jobs.size).toBe(0);
  });

  it("finishes in O(1) per message: one settling UPDATE and a 16-row check, no count over the shippings", async () => {
    const world = await createCampaignWorld(db.sequelize, { contacts: 2000 });
    const { id, loaded } = await running(world);
    expect(loaded.shippingsLeft).toBe(2000);
    // Every shipping prepared; all but the last two already delivered.
    await db.sequelize.query(
      `INSERT INTO "CampaignShipping" ("campaignId", "contactId", number, message, "dueAt", "deliveredAt")
       SELECT $1, i.id, i.number, 'x', now(), CASE WHEN i.id < $2 THEN now() END
         FROM "ContactListItems" i WHERE i."contactListId" = $3`,
      { bind: [id, world.itemIds[1998], world.listId] },
    );
    // Two left, in two of the 16 shards of the count.
    await db.sequelize.query(
      `UPDATE "CampaignProgress" SET "left" = CASE WHEN shard IN ($2, $3) THEN 1 ELSE 0 END
        WHERE "campaignId" = $1`,
      { bind: [id, (world.itemIds[1998] as number) % 16, (world.itemIds[1999] as number) % 16] },
    );
    const shippings = await db.sequelize.query<{ id: number }>(
      `SELECT id FROM "CampaignShipping" WHERE "campaignId" = $1 AND "deliveredAt" IS NULL ORDER BY id`,
      { bind: [id], type: QueryTypes.SELECT },
    );
    const statements: string[] = [];
    const hook = (options: { sql?: string }, query: { sql?: string }) => {
      statements.push(String(query?.sql ?? options?.sql ?? ""));
    };
    db.sequelize.addHook("afterQuery", "count-statements", hook as never);
    try {
      const s = service();
      const before = statements.length;
      const first = await s.dispatch({
        campaignId: id,
        campaignShippingId: shippings[0]?.id as number,
      });
      const perMessage = statements.length - before;
      const last = await s.dispatch({
        campaignId: id,
        campaignShippingId: shippings[1]?.id as number,
      });
      expect(first).toMatchObject({
        outcome: "delivered",
        progress: { finished: false },
      });
      expect(last).toMatchObject({
        outcome: "delivered",
        progress: { finished: true },
      });
      // The same handful of statements for the 1,999th and the 2,000th message.
      expect(statements.length - before - perMessage).toBe(perMessage);
      expect(perMessage).toBeGreaterThan(0);
      expect(perMessage).toBeLessThanOrEqual(8);
      const settles = statements.filter((sql) => sql.includes(`"left" - 1`));
      expect(settles).toHaveLength(2);
    } finally {
      db.sequelize.removeHook("afterQuery", "count-statements");
    }
    expect(statements.some((sql) => /count\s*\(/i.test(sql))).toBe(false);
    const campaign = await dbRows.get("Campaigns", { id });
    expect(campaign.status).toBe("FINALIZADA");
    expect(campaign.completedAt).toBeInstanceOf(Date);
  });

  it("a send left in doubt by a crash is not repeated: the shipping fails with the reason", async () => {
    const world = await createCampaignWorld(db.sequelize, { contacts: 1 });
    const { id, loaded } = await running(world);
    await service().expand(loaded, new Date());
    const contactId = world.itemIds[0] as number;
    const prepared = await service().prepare({ campaignId: id, contactId }, new Date());
    if (!("dispatch" in prepared)) throw new Error("expected a dispatch");
    // The worker claimed the key and died before WhatsApp answered.
    await db.sequelize.query(
      `INSERT INTO "SendLedger" (key, "companyId", "whatsappId", jid, status) VALUES ($1, $2, $3, $4, 'sending')`,
      {
        bind: [
          `campaign:${id}:shipping:${contactId}`,
          world.companyId,
          world.whatsappId,
          "5511910000000@s.whatsapp.net",
        ],
      },
    );
    const result = await service().dispatch({
      campaignId: id,
      campaignShippingId: prepared.shippingId,
    });
    expect(result).toMatchObject({ outcome: "failed", progress: { finished: true } });
    expect(result.reason).toMatch(/^CF_SEND_IN_DOUBT: /);
    expect(await wa.sends()).toHaveLength(0);
  });

  it("shippings due at one instant go in batches: one claim and one settlement each; keys an earlier attempt holds are decided one by one", async () => {
    const world = await createCampaignWorld(db.sequelize, { contacts: 40 });
    const { id, loaded } = await running(world);
    await service().expand(loaded, new Date());
    const key = (i: number) => `campaign:${id}:shipping:${world.itemIds[i]}`;
    const jid = (i: number) => `${contactNumber(i)}@s.whatsapp.net`;
    const ledgerRow = (i: number, status: string, fields: string) =>
      db.sequelize.query(
        `INSERT INTO "SendLedger" (key, "companyId", "whatsappId", jid, status, ${fields.split("=")[0]})
         VALUES ($1, $2, $3, $4, $5, ${fields.split("=")[1]})`,
        { bind: [key(i), world.companyId, world.whatsappId, jid(i), status] },
      );
    // Contact 3: sent by an earlier attempt that died before settling. Contact 7: handed to
    // WhatsApp by a dead owner (in doubt). Contact 11: refused by WhatsApp before (`failed`).
    await ledgerRow(3, "sent", `wid=(SELECT 'SIM-EARLIER')`);
    await ledgerRow(7, "sending", `"handedOver"=true`);
    await ledgerRow(11, "failed", `error=(SELECT 'CF_WA_SEND_FAILED: refused')`);
    const statements: string[] = [];
    const hook = (options: { sql?: string }, query: { sql?: string }) => {
      statements.push(String(query?.sql ?? options?.sql ?? ""));
    };
    db.sequelize.addHook("afterQuery", "count-batch-statements", hook as never);
    let result: Awaited<ReturnType<CampaignService["dispatchSender"]>>;
    try {
      result = await service().dispatchSender({
        whatsappId: world.whatsappId,
        companyId: world.companyId,
      });
    } finally {
      db.sequelize.removeHook("afterQuery", "count-batch-statements");
    }
    expect(result).toMatchObject({ outcomes: { delivered: 39, failed: 1 } });
    expect(result.failures).toEqual([
      { shippingId: expect.any(Number), reason: expect.stringMatching(/^CF_SEND_IN_DOUBT: /) },
    ]);
    // Everyone but 3 (sent before) and 7 (in doubt) got one message now; 11 was sent again.
    const sent = (await wa.sends({ connectionId: world.whatsappId })).map((x) => x.jid);
    const expected = world.itemIds
      .map((_, i) => jid(i))
      .filter((j) => j !== jid(3) && j !== jid(7));
    expect(sent.sort()).toEqual(expected.sort());
    // 40 shippings due at once: batches of up to 32 (2 at least), each one claim and one settlement.
    const claims = statements.filter((sql) => sql.includes('"handedOver")\n       SELECT'));
    const settlements = statements.filter((sql) => sql.includes('x."shippingId"'));
    expect(claims.length).toBeGreaterThanOrEqual(2);
    expect(claims.length).toBeLessThan(10);
    expect(settlements.length).toBe(claims.length);
    const campaign = await dbRows.get<{ status: string }>("Campaigns", { id });
    expect(campaign.status).toBe("FINALIZADA");
    const ledger = await db.sequelize.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM "SendLedger" WHERE key LIKE $1 GROUP BY status ORDER BY status`,
      { bind: [`campaign:${id}:%`], type: QueryTypes.SELECT },
    );
    expect(ledger).toEqual([
      { status: "sending", n: 1 },
      { status: "sent", n: 39 },
    ]);
  });

  it("gives the frontend's campaign record its progress: sent, failed, pending, total, eta", async () => {
    const world = await createCampaignWorld(db.sequelize, { contacts: 4 });
    const { id, loaded } = await running(world);
    expect(await service().campaignRecord(id)).toMatchObject({
      id,
      sent: 0,
      failed: 0,
      pending: 4,
      total: 4,
      shippingsLeft: 4,
      eta: null,
    });
    await service().expand(loaded, new Date());
    const [first, second, third] = world.itemIds;
    const settled = [
      [first, { deliveredAt: new Date(Date.now() - 2000) }],
      [second, { deliveredAt: new Date(Date.now() - 1000) }],
      [third, { failedAt: new Date(), failureReason: "bad number" }],
    ] as const;
    for (const [contactId, fields] of settled) {
      const prepared = await service().prepare(
        { campaignId: id, contactId: contactId as number },
        new Date(),
      );
      if (!("shippingId" in prepared)) throw new Error("expected a shipping");
      await dbRows.update("CampaignShipping", fields, { id: prepared.shippingId });
    }
    const record = await service().campaignRecord(id);
    expect(record).toMatchObject({ sent: 2, failed: 1, pending: 1, total: 4, shippingsLeft: 1 });
    expect(Date.parse(String(record?.eta))).toBeGreaterThan(Date.now() - 60_000);
  });
});
