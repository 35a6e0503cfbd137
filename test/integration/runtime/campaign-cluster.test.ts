// Two worker processes on one campaign, with every PrepareContact and DispatchCampaign job
// enqueued twice more under other ids (as a duplicating producer or a retry storm would): each
// contact gets exactly one message, and the campaign finishes once (SPEC §4 defects 3, 12).
import { rm } from "node:fs/promises";
import path from "node:path";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db";
import { SimulatedWhatsApp } from "../../../runtime/adapters/whatsapp";
import { compile } from "../../../runtime/compile";
import { loadManifest } from "../../../runtime/manifest";
import { QueueRuntime } from "../../../runtime/queues/queue-runtime";
import {
  campaignFixture,
  createCampaign,
  createCampaignWorld,
  until,
} from "../../helpers/campaigns";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { type RunningProcess, startProcess } from "../../helpers/process";
import { createTestRedis, type TestRedis } from "../../helpers/redis";

const CONTACTS = 300;
let dir: string;
let db: TestDatabase;
let redis: TestRedis;
let queues: QueueRuntime;
let processes: RunningProcess[] = [];

beforeAll(async () => {
  dir = await campaignFixture(5);
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  redis = createTestRedis();
  const plan = compile(await loadManifest(path.join(dir, "jobs.yaml")));
  queues = await QueueRuntime.open(plan, { url: redis.url, prefix: redis.prefix.slice(0, -1) });
}, 60_000);

afterAll(async () => {
  for (const p of processes) p.child.kill("SIGTERM");
  await Promise.all(processes.map((p) => p.exited()));
  await queues?.close();
  await redis?.cleanup();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("a campaign in a cluster", () => {
  it("two workers and duplicated jobs: exactly one send per contact, FINALIZADA", async () => {
    const world = await createCampaignWorld(db.sequelize, { contacts: CONTACTS });
    const id = await createCampaign(db.sequelize, world, { message1: "Oi {nome}" });
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix.slice(0, -1),
      CHATIA_MANIFEST: path.join(dir, "jobs.yaml"),
      NODE_RED_CREDENTIAL_SECRET: "campaign-cluster-credential-secret",
      CHATIA_JWT_SECRET: "test-jwt-secret-0123456789abcdefghijklmnop",
      // Short runs of the connection's sender, so that both workers take turns sending.
      CHATIA_CAMPAIGN_SENDER_BUDGET_MS: "30",
    };
    processes = [1, 2].map((n) =>
      startProcess(["start", "--role", "worker", "--no-editor", "--port", "0"], {
        ...env,
        CHATIA_DATA_DIR: path.join(dir, `.nr-${n}`),
      }),
    );
    await Promise.all(processes.map((p) => p.waitFor(/chatia-flow worker running/, 60_000)));

    // Duplicates first, racing the campaign's own jobs: a prepare and a dispatch per contact.
    const dup = world.itemIds.map((contactId) => ({ data: { campaignId: id, contactId } }));
    await queues.enqueueBulk("CampaignQueue", "PrepareContact", dup);
    await queues.enqueue("CampaignQueue", "VerifyCampaignsDaatabase", {});
    await queues.enqueueBulk("CampaignQueue", "PrepareContact", dup);
    const shippings = await until(async () => {
      const rows = await db.sequelize.query<{ id: number }>(
        `SELECT id FROM "CampaignShipping" WHERE "campaignId" = $1`,
        { bind: [id], type: QueryTypes.SELECT },
      );
      return rows.length === CONTACTS ? rows : undefined;
    }, 60_000);
    await queues.enqueueBulk(
      "CampaignQueue",
      "DispatchCampaign",
      shippings.map((s) => ({ data: { campaignId: id, campaignShippingId: s.id } })),
    );

    await until(async () => {
      const [row] = await db.sequelize.query<{ status: string }>(
        `SELECT status FROM "Campaigns" WHERE id = $1`,
        { bind: [id], type: QueryTypes.SELECT },
      );
      return row?.status === "FINALIZADA" ? row : undefined;
    }, 90_000);
    // Let the last duplicates finish, then count.
    await until(async () => {
      const counts = await queues.queue("CampaignQueue").bull.getJobCounts();
      return counts.active + counts.waiting === 0 ? counts : undefined;
    }, 30_000);
    const wa = new SimulatedWhatsApp(redis.redis, { prefix: `${redis.prefix}chatia:` });
    const sends = await wa.sends({ connectionId: world.whatsappId });
    expect(sends).toHaveLength(CONTACTS);
    expect(new Set(sends.map((s) => s.jid)).size).toBe(CONTACTS);
    // Both processes sent (one at a time: the connection's sender lease).
    expect(new Set(sends.map((s) => s.pid)).size).toBe(2);
    // Every shipping delivered, none in doubt: a duplicate that met another job's live claim
    // waited for its outcome (the claim knows its owner is alive).
    const [counts] = await db.sequelize.query<{ delivered: number; failed: number; left: number }>(
      `SELECT count(*) FILTER (WHERE "deliveredAt" IS NOT NULL)::int AS delivered,
              count(*) FILTER (WHERE "failedAt" IS NOT NULL)::int AS failed,
              (SELECT "shippingsLeft" FROM "Campaigns" WHERE id = $1) AS left
         FROM "CampaignShipping" WHERE "campaignId" = $1`,
      { bind: [id], type: QueryTypes.SELECT },
    );
    expect(counts).toEqual({ delivered: CONTACTS, failed: 0, left: 0 });
  }, 180_000);
});
