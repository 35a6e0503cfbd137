// One measurement of bench/campaign-memory.ts, in a process of its own, against the Redis of
// REDIS_URL (the benchmark's private redis-server): a paced campaign of N contacts (60 s apart),
// from VerifyCampaignsDaatabase until its list is fully expanded into shippings. Prints one JSON
// line: Redis's used_memory before and after, the worker's RSS, the shippings' size in Postgres.
import { QueryTypes } from "sequelize";
import { campaignFixture } from "../test/helpers/campaigns";
import { startTestRuntime } from "../test/helpers/runtime";
import { campaignOfContacts } from "./campaign-contacts";

const contacts = Number(process.argv[2] ?? 100_000);

async function usedMemory(info: () => Promise<string>): Promise<number> {
  const text = await info();
  return Number(/used_memory:(\d+)/.exec(text)?.[1] ?? Number.NaN);
}

async function main(): Promise<void> {
  const t = await startTestRuntime(await campaignFixture(10), { editor: false });
  const sql = t.db.sequelize;
  const pacing = { messageInterval: 60, longerIntervalAfter: 0, greaterInterval: 0 };
  const { id } = await campaignOfContacts(sql, contacts, pacing);
  const info = () => t.redis.redis.info("memory");
  await t.redis.redis.call("MEMORY", "PURGE");
  const before = await usedMemory(info);
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  let heapPeak = 0;
  let externalPeak = 0;
  let heapTotalPeak = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    rssPeak = Math.max(rssPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
    heapTotalPeak = Math.max(heapTotalPeak, m.heapTotal);
    externalPeak = Math.max(externalPeak, m.external);
  }, 100);
  const started = process.hrtime.bigint();
  await (
    await t.runtime.queues.enqueue("CampaignQueue", "VerifyCampaignsDaatabase", {})
  ).finished();
  for (;;) {
    const [row] = await sql.query<{ expanded: boolean }>(
      `SELECT "expandedAt" IS NOT NULL AS expanded FROM "Campaigns" WHERE id = $1`,
      { bind: [id], type: QueryTypes.SELECT },
    );
    if (row?.expanded) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const expandMs = Number(process.hrtime.bigint() - started) / 1e6;
  // Let the ProcessCampaign job complete and the sender re-arm for the second contact.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  clearInterval(sampler);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapAfterGcMb = process.memoryUsage().heapUsed / 1024 / 1024;
  await t.redis.redis.call("MEMORY", "PURGE");
  const after = await usedMemory(info);
  const [pg] = await sql.query<{ shippings: number; table: string; pending: number }>(
    `SELECT (SELECT count(*)::int FROM "CampaignShipping" WHERE "campaignId" = $1) AS shippings,
            pg_total_relation_size('"CampaignShipping"') AS table,
            (SELECT count(*)::int FROM "CampaignShipping" WHERE "campaignId" = $1
                AND "deliveredAt" IS NULL AND "failedAt" IS NULL) AS pending`,
    { bind: [id], type: QueryTypes.SELECT },
  );
  const jobs = await t.runtime.queues.queue("CampaignQueue").bull.getJobCounts();
  await t.stop();
  const mb = (bytes: number) => bytes / 1024 / 1024;
  process.stdout.write(
    `${JSON.stringify({
      contacts,
      expandMs,
      redisBefore: before,
      redisAfter: after,
      pending: pg?.pending,
      shippings: pg?.shippings,
      pgBytes: Number(pg?.table ?? 0),
      rssBeforeMb: mb(rssBefore),
      rssPeakMb: mb(rssPeak),
      heapPeakMb: mb(heapPeak),
      heapTotalPeakMb: mb(heapTotalPeak),
      externalPeakMb: mb(externalPeak),
      heapAfterGcMb,
      jobs,
    })}\n`,
  );
  process.exit(0);
}

void main();
