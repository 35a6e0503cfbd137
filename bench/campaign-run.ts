// One measurement of bench/campaign.ts, in a process of its own: a campaign of N contacts with
// zero pacing, from VerifyCampaignsDaatabase to FINALIZADA through the real flows, Postgres,
// Redis and the simulated WhatsApp driver. Prints one JSON line.
import { QueryTypes } from "sequelize";
import { campaignFixture, createCampaign, createCampaignWorld } from "../test/helpers/campaigns";
import { startTestRuntime } from "../test/helpers/runtime";

const contacts = Number(process.argv[2] ?? 100_000);
const concurrency = Number(process.argv[3] ?? 10);

async function main(): Promise<void> {
  const t = await startTestRuntime(await campaignFixture(concurrency), { editor: false });
  const sql = t.db.sequelize;
  const world = await createCampaignWorld(sql, { contacts: 0 });
  await sql.query(
    `INSERT INTO "ContactListItems" (name, number, email, "contactListId", "companyId", "createdAt", "updatedAt")
     SELECT 'Contato ' || i, '5511' || lpad(i::text, 9, '0'), 'c' || i || '@example.com', $1, $2, now(), now()
       FROM generate_series(1, $3) i`,
    { bind: [world.listId, world.companyId, contacts] },
  );
  const id = await createCampaign(sql, world, { scheduledAt: new Date(), message1: "Olá {nome}" });
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
