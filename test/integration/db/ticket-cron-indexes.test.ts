// The ticket crons' own statements (as the stores run them, with their bind values) never need a
// full scan of the big tables: with sequential scans disabled (as in cron-indexes.test.ts) a
// table that no index can serve still shows up as a Seq Scan. Which index the planner prefers
// depends on how many rows are due (bench:tickets shows the plans' cost at 100,000 tickets).
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db/migrator";
import { MOVE_LANES, PICK_ATTENDANTS } from "../../../runtime/adapters/db/repositories/board-store";
import { findTicketsSql } from "../../../runtime/adapters/db/repositories/ticket-ops-store";
import { seedDemo } from "../../../runtime/adapters/db/seed/demo-seed";
import type { TicketCriteria } from "../../../runtime/services/ports/ticket-ops-store";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";

let db: TestDatabase;

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  Plans?: PlanNode[];
}

const BIG_TABLES = ["Tickets", "TicketTags", "Contacts", "Users", "UserQueues", "Messages"];

/** Tables the plan reads whole. */
function fullScans(node: PlanNode): string[] {
  const own =
    node["Node Type"] === "Seq Scan" && node["Relation Name"] !== undefined
      ? [node["Relation Name"]]
      : [];
  return [...own, ...(node.Plans ?? []).flatMap(fullScans)];
}

/** Big tables the plan Postgres picks for `sql` reads whole, with sequential scans disabled. */
async function bigTablesScanned(sql: string, bind: unknown[]): Promise<string[]> {
  return db.sequelize.transaction(async (transaction) => {
    await db.sequelize.query("SET LOCAL enable_seqscan = off", { transaction });
    const [row] = await db.sequelize.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) ${sql}`,
      { bind, type: QueryTypes.SELECT, transaction },
    );
    const plan = row?.["QUERY PLAN"][0]?.Plan;
    if (plan === undefined) throw new Error("no plan returned");
    return fullScans(plan).filter((table) => BIG_TABLES.includes(table));
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
const FINDS: [job: string, criteria: TicketCriteria][] = [
  [
    "VerifyQueueStatus",
    {
      status: "pending",
      queue: "none",
      connected: true,
      idle: { kind: "connectionTimeSendQueue" },
    },
  ],
  ["DistributeTickets (unassigned)", { status: "pending", queue: "routed", user: "without" }],
  [
    "DistributeTickets (idle with an attendant)",
    { status: "pending", queue: "routed", user: "with", idle: { kind: "queueTempoRoteador" } },
  ],
  [
    "CloseInactiveTickets",
    { status: "open", groups: false, connected: true, idle: { kind: "connectionExpiresTicket" } },
  ],
];

describe("ticket cron statements", () => {
  it.each(FINDS)("%s finds its tickets through indexes only", async (_job, criteria) => {
    const { sql, bind } = findTicketsSql(criteria, now);
    expect(await bigTablesScanned(sql, bind)).toEqual([]);
  });

  it("MoveKanbanLanes reaches lanes' tickets through indexes only", async () => {
    expect(await bigTablesScanned(MOVE_LANES, [[1, 2, 3], now])).toEqual([]);
  });

  it("pick attendant reaches queues' members through indexes only", async () => {
    expect(await bigTablesScanned(PICK_ATTENDANTS, [[1], [1], [1], [null]])).toEqual([]);
  });

  it("fails when a statement has no index to use (the check itself)", async () => {
    const unindexed = `SELECT id FROM "Tickets" WHERE "lastMessage" = $1`;
    expect(await bigTablesScanned(unindexed, ["x"])).toEqual(["Tickets"]);
  });
});
