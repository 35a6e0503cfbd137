// One measurement of bench/campaign.ts, in a process of its own: a campaign of N contacts with
// zero pacing, from VerifyCampaignsDaatabase to FINALIZADA through the real flows, Postgres,
// Redis and the simulated WhatsApp driver. Prints one JSON line.
import { QueryTypes } from "sequelize";
import { campaignFixture } from "../test/helpers/campaigns";
import { startTestRuntime } from "../test/helpers/runtime";
import { campaignOfContacts } from "./campaign-contacts";

const contacts = Number(process.argv[2] ?? 100_000);
const concurrency = Number(process.argv[3] ?? 10);

async function main(): Promise<void> {
  const t = await startTestRuntime(await campaignFixture(concurrency), { editor: false });
  const sql = t.db.sequelize;
  const { id } = await campaignOfContacts(sql, contacts);
  const started = process.hrtime.bigint();
  await (
    await t.runtime.queues.enqueue("CampaignQueue", "VerifyCampaignsDaatabase", {})
  ).finished();
  for (;;) {
    const [row] = await sql.query<{ status: string }>(
      `SELECT status FROM "Campaigns" WHERE id = $1`,
      {
        bind: [id],
        type: QueryTypes.SELECT,
      },
    );
    if (row?.status === "FINALIZADA") break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const [counts] = await sql.query<{ delivered: number; sent: number }>(
    `SELECT (SELECT count(*)::int FROM "CampaignShipping" WHERE "campaignId" = $1 AND "deliveredAt" IS NOT NULL) AS delivered,
            (SELECT count(*)::int FROM "SendLedger" WHERE key LIKE $2 AND status = 'sent') AS sent`,
    { bind: [id, `campaign:${id}:%`], type: QueryTypes.SELECT },
  );
  const rssMb = process.resourceUsage().maxRSS / 1024;
  await t.stop();
  process.stdout.write(`${JSON.stringify({ contacts, concurrency, ms, rssMb, ...counts })}\n`);
  process.exit(0);
}

void main();
