// A worker killed with SIGKILL in the middle of a campaign, then started again: every contact
// gets its message at most once and none is lost. A shipping whose send was claimed but whose
// outcome the killed process never recorded is in doubt: it fails with CF_SEND_IN_DOUBT, visible,
// and is never sent a second time (issue 4, "at most once, never lost").
import { readFile, rm, writeFile } from "node:fs/promises";
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

const CONTACTS = 2000;
let dir: string;
let db: TestDatabase;
let redis: TestRedis;
let queues: QueueRuntime;
const processes: RunningProcess[] = [];

beforeAll(async () => {
  dir = await campaignFixture(10);
  // Short locks, so that the jobs the killed worker held are found stalled within seconds.
  const manifest = path.join(dir, "jobs.yaml");
  const text = await readFile(manifest, "utf8");
  await writeFile(
    manifest,
    text.replace(
      "    concurrency: 10\n",
      "    concurrency: 10\n    settings: { lockDuration: 5000, stalledInterval: 1000, maxStalledCount: 1 }\n",
    ),
  );
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  redis = createTestRedis();
  const plan = compile(await loadManifest(manifest));
  queues = await QueueRuntime.open(plan, { url: redis.url, prefix: redis.prefix.slice(0, -1) });
}, 60_000);

afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill("SIGTERM");
  await Promise.all(processes.map((p) => p.exited()));
  await queues?.close();
  await redis?.cleanup();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

async function shippingCounts(campaignId: number) {
  const [row] = await db.sequelize.query<{ total: number; delivered: number; failed: number }>(
    `SELECT count(*)::int AS total,
            count("deliveredAt")::int AS delivered,
            count("failedAt")::int AS failed
       FROM "CampaignShipping" WHERE "campaignId" = $1`,
    { bind: [campaignId], type: QueryTypes.SELECT },
  );
  return row as { total: number; delivered: number; failed: number };
}

describe("a worker killed in the middle of a campaign", () => {
  it("SIGKILL at ~30% delivered, restart: one send per contact at most, every contact settled", async () => {
    const world = await createCampaignWorld(db.sequelize, { contacts: CONTACTS });
    const wa = new SimulatedWhatsApp(redis.redis, { prefix: `${redis.prefix}chatia:` });
    // A few ms per send widens the window between the ledger claim and WhatsApp's answer.
    await wa.setBehaviour(world.whatsappId, { latencyMs: 3 });
    const id = await createCampaign(db.sequelize, world, { message1: "Oi {nome}" });
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix.slice(0, -1),
      CHATIA_MANIFEST: path.join(dir, "jobs.yaml"),
      NODE_RED_CREDENTIAL_SECRET: "campaign-crash-credential-secret",
      CHATIA_JWT_SECRET: "test-jwt-secret-0123456789abcdefghijklmnop",
      CHATIA_DATA_DIR: path.join(dir, ".nr"),
    };
    const worker = () => {
      const p = startProcess(["start", "--role", "worker", "--no-editor", "--port", "0"], env);
      processes.push(p);
      return p;
    };

    const first = worker();
    await first.waitFor(/chatia-flow worker running/, 60_000);
    await queues.enqueue("CampaignQueue", "VerifyCampaignsDaatabase", {});
    const atKill = await until(async () => {
      const c = await shippingCounts(id);
      return c.delivered >= CONTACTS * 0.3 ? c : undefined;
    }, 60_000);
    first.child.kill("SIGKILL");
    expect(await first.exited()).toBe("SIGKILL");
    // In flight at the kill: the sends the dead worker had claimed in the ledger and not settled
    // (read before anything else runs: nothing changes them until the restart).
    const inFlight = await db.sequelize.query<{ jid: string; handedOver: boolean }>(
      `SELECT jid, "handedOver" FROM "SendLedger" WHERE "whatsappId" = $1 AND status = 'sending'`,
      { bind: [world.whatsappId], type: QueryTypes.SELECT },
    );
    const inFlightNumbers = new Set(inFlight.map((l) => l.jid.replace(/@.*/, "")));
    const handedOverAtKill = inFlight.filter((l) => l.handedOver).length;
    const sentBefore = (await wa.sends({ connectionId: world.whatsappId })).length;
    expect(sentBefore).toBeLessThan(CONTACTS);

    const second = worker();
    await second.waitFor(/chatia-flow worker running/, 60_000);
    await until(async () => {
      const [row] = await db.sequelize.query<{ status: string }>(
        `SELECT status FROM "Campaigns" WHERE id = $1`,
        { bind: [id], type: QueryTypes.SELECT },
      );
      return row?.status === "FINALIZADA" ? row : undefined;
    }, 60_000);
    await until(async () => {
      const counts = await queues.queue("CampaignQueue").bull.getJobCounts();
      return counts.active + counts.waiting + counts.delayed === 0 ? counts : undefined;
    }, 20_000);

    const shippings = await db.sequelize.query<{
      number: string;
      delivered: boolean;
      failureReason: string | null;
    }>(
      `SELECT number, "deliveredAt" IS NOT NULL AS delivered, "failureReason"
         FROM "CampaignShipping" WHERE "campaignId" = $1`,
      { bind: [id], type: QueryTypes.SELECT },
    );
    const sends = await wa.sends({ connectionId: world.whatsappId });
    const perNumber = new Map<string, number>();
    for (const s of sends) {
      const number = s.jid.replace(/@.*/, "");
      perNumber.set(number, (perNumber.get(number) ?? 0) + 1);
    }

    // One shipping per contact; none sent twice.
    expect(shippings).toHaveLength(CONTACTS);
    expect(new Set(shippings.map((s) => s.number)).size).toBe(CONTACTS);
    expect([...perNumber.values()].filter((n) => n > 1)).toEqual([]);
    // Every shipping settled: delivered (sent exactly once), or failed in doubt (sent at most
    // once, never again); no other outcome, nothing left behind.
    const delivered = shippings.filter((s) => s.delivered);
    const inDoubt = shippings.filter((s) => s.failureReason?.startsWith("CF_SEND_IN_DOUBT:"));
    expect(delivered.length + inDoubt.length).toBe(CONTACTS);
    for (const s of delivered) expect(perNumber.get(s.number), s.number).toBe(1);
    // Only a send in flight at the kill can end in doubt — one handed to WhatsApp, whose answer
    // the dead worker never recorded; one claimed but not handed over is taken over and sent.
    expect(inDoubt.length).toBeLessThanOrEqual(handedOverAtKill);
    expect(inDoubt.filter((s) => !inFlightNumbers.has(s.number))).toEqual([]);
    const inDoubtSent = inDoubt.filter((s) => perNumber.has(s.number)).length;
    expect(sends).toHaveLength(delivered.length + inDoubtSent);
    // Both lives of the worker sent part of the campaign.
    expect(new Set(sends.map((s) => s.pid)).size).toBe(2);
    expect(atKill.delivered).toBeLessThan(CONTACTS);

    const [campaign] = await db.sequelize.query<{ left: number }>(
      `SELECT "shippingsLeft" AS left FROM "Campaigns" WHERE id = $1`,
      { bind: [id], type: QueryTypes.SELECT },
    );
    console.log(
      `campaign-crash: killed at ${atKill.delivered} delivered (${sentBefore} sends, ` +
        `${inFlight.length} in flight of which ${handedOverAtKill} handed over); ` +
        `after restart ${delivered.length} delivered, ${inDoubt.length} in doubt ` +
        `(${inDoubtSent} of them reached WhatsApp), ${sends.length} sends`,
    );
    expect(campaign?.left).toBe(0);
  }, 150_000);
});
