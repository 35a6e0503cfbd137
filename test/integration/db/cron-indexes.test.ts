// Each per-minute cron query can be answered by the index made for it. Sequential scans are
// disabled so the planner's choice shows whether an index matches the query's shape at all
// (on a table this small it would otherwise scan), then the plan must name that index.
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db/migrator";
import { seedDemo } from "../../../runtime/adapters/db/seed/demo-seed";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";

let db: TestDatabase;

interface PlanNode {
  "Index Name"?: string;
  Plans?: PlanNode[];
}

function indexNames(node: PlanNode): string[] {
  const own = node["Index Name"] === undefined ? [] : [node["Index Name"]];
  return [...own, ...(node.Plans ?? []).flatMap(indexNames)];
}

/** Index names in the plan Postgres picks for `sql`, with sequential scans disabled. */
async function indexesUsed(sql: string, replacements: Record<string, unknown>): Promise<string[]> {
  return db.sequelize.transaction(async (transaction) => {
    await db.sequelize.query("SET LOCAL enable_seqscan = off", { transaction });
    const [row] = await db.sequelize.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) ${sql}`,
      { replacements, type: QueryTypes.SELECT, transaction },
    );
    const plan = row?.["QUERY PLAN"][0]?.Plan;
    if (plan === undefined) throw new Error("no plan returned");
    return indexNames(plan);
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  await seedDemo(db.sequelize, { passwordHash: (p) => p });
  await db.sequelize.query("ANALYZE");
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

const now = new Date();
const CASES: [job: string, index: string, sql: string, replacements: Record<string, unknown>][] = [
  [
    "ScheduleMonitor.Verify",
    "schedules_pending_send_at_idx",
    `SELECT id FROM "Schedules" WHERE status = 'PENDENTE' AND "sendAt" <= :until ORDER BY "sendAt"`,
    { until: now },
  ],
  [
    "CampaignQueue.VerifyCampaignsDaatabase",
    "campaigns_programada_scheduled_at_idx",
    `SELECT id FROM "Campaigns" WHERE status = 'PROGRAMADA' AND "scheduledAt" <= :until`,
    { until: now },
  ],
  [
    "QueueMonitor.VerifyQueueStatus",
    "tickets_pending_unqueued_idx",
    `SELECT id FROM "Tickets" WHERE status = 'pending' AND "queueId" IS NULL
       AND "whatsappId" = :whatsappId AND "updatedAt" < :before`,
    { whatsappId: 1, before: now },
  ],
  [
    "DistributeTickets",
    "tickets_pending_queue_idx",
    `SELECT id, "userId", "updatedAt" FROM "Tickets" WHERE status = 'pending' AND "queueId" = :queueId`,
    { queueId: 1 },
  ],
  [
    "CloseInactiveTickets",
    "tickets_open_connection_idx",
    `SELECT id FROM "Tickets" WHERE status = 'open' AND "whatsappId" = :whatsappId
       AND "updatedAt" < :before`,
    { whatsappId: 1, before: now },
  ],
  [
    "UserMonitor.VerifyLoginStatus",
    "users_online_updated_at_idx",
    `UPDATE "Users" SET online = false WHERE online = true AND "updatedAt" < :before`,
    { before: now },
  ],
  [
    "MoveKanbanLanes",
    "ticket_tags_tag_id_idx",
    `SELECT "ticketId" FROM "TicketTags" WHERE "tagId" = :tagId`,
    { tagId: 1 },
  ],
  [
    "ticket messages",
    "messages_ticket_created_at_idx",
    `SELECT id FROM "Messages" WHERE "ticketId" = :ticketId ORDER BY "createdAt" DESC LIMIT 20`,
    { ticketId: 1 },
  ],
];

describe("cron queries", () => {
  it.each(CASES)("%s uses %s", async (_job, index, sql, replacements) => {
    expect(await indexesUsed(sql, replacements)).toContain(index);
  });
});
