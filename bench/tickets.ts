// The per-minute ticket crons on 1,000 companies × 100 open tickets each (100,000 tickets):
// each job's services as its flow calls them (find → update → log, events published through
// Redis), timed on a backlog (ticket ages spread over two days, as after an outage) and on the
// steady state right after (only what became due in between). Baseline, measured in the same run:
// the original's shape for CloseInactiveTickets — one query per connection, then one UPDATE and
// one log INSERT per ticket. Greetings and farewells are left out (messages go at the
// connections' pace, not the database's).
//   npm run bench:tickets            (RUNS=5 COMPANIES=1000 to change)
import { QueryTypes, type Sequelize } from "sequelize";
import { migrateUp } from "../runtime/adapters/db/migrator";
import { SequelizeBoardStore } from "../runtime/adapters/db/repositories/board-store";
import { SequelizeTicketOpsStore } from "../runtime/adapters/db/repositories/ticket-ops-store";
import { RedisCompanyEvents } from "../runtime/adapters/socket";
import { TicketOpsService } from "../runtime/services/ticket-ops.service";
import { createTestDatabase } from "../test/helpers/database";
import { createTestRedis } from "../test/helpers/redis";

const RUNS = Number(process.env.RUNS ?? 5);
const COMPANIES = Number(process.env.COMPANIES ?? 1000);
const TICKETS = 100;
/** Only the jobs whose name starts with this. */
const ONLY = process.env.ONLY;

interface Job {
  readonly name: string;
  run(): Promise<number>;
}

export async function seed(sql: Sequelize): Promise<void> {
  const q = (text: string) => {
    const bind = text.includes("$2")
      ? [COMPANIES, TICKETS]
      : text.includes("$1")
        ? [COMPANIES]
        : [];
    return sql.query(text, { bind });
  };
  await q(`SELECT setseed(0.42)`);
  await q(
    `INSERT INTO "Plans" (name, "useKanban", "createdAt", "updatedAt") VALUES ('Plano', true, now(), now())`,
  );
  await q(`INSERT INTO "Companies" (id, name, status, "planId", "createdAt", "updatedAt")
           SELECT c, 'Empresa ' || c, true, 1, now(), now() FROM generate_series(1, $1) c`);
  await q(`INSERT INTO "CompaniesSettings" ("companyId", "createdAt", "updatedAt")
           SELECT c, now(), now() FROM generate_series(1, $1) c`);
  await q(`INSERT INTO "Queues" (id, name, color, "ativarRoteador", "tempoRoteador", "companyId", "createdAt", "updatedAt")
           SELECT 2 * c - 2 + k, 'Fila ' || k, '#000', k = 1, CASE WHEN k = 1 THEN 5 ELSE 0 END, c, now(), now()
             FROM generate_series(1, $1) c, generate_series(1, 2) k`);
  await q(`INSERT INTO "Whatsapps" (id, name, status, "companyId", "timeSendQueue", "sendIdQueue", "expiresTicket", "createdAt", "updatedAt")
           SELECT c, 'Conexão', 'CONNECTED', c, 10, 2 * c, 24, now(), now() FROM generate_series(1, $1) c`);
  await q(`INSERT INTO "Users" (id, name, email, "passwordHash", profile, online, "companyId", "createdAt", "updatedAt")
           SELECT 3 * c - 3 + k, 'U' || k, 'u' || k || '@c' || c || '.test', 'x',
                  CASE WHEN k = 3 THEN 'admin' ELSE 'user' END, true, c, now(), now()
             FROM generate_series(1, $1) c, generate_series(1, 3) k`);
  await q(`INSERT INTO "UserQueues" ("userId", "queueId", "createdAt", "updatedAt")
           SELECT 3 * c - 3 + k, 2 * c - 1, now(), now() FROM generate_series(1, $1) c, generate_series(1, 3) k`);
  await q(`INSERT INTO "Tags" (id, name, "timeLane", "nextLaneId", kanban, "companyId", "createdAt", "updatedAt")
           SELECT 2 * c - 2 + k, 'Lane ' || k, CASE WHEN k = 2 THEN 2 ELSE 0 END,
                  CASE WHEN k = 2 THEN 2 * c - 1 END, 1, c, now(), now()
             FROM generate_series(1, $1) c, generate_series(1, 2) k`);
  await q(`INSERT INTO "Contacts" (id, name, number, "companyId", "createdAt", "updatedAt")
           SELECT (c - 1) * $2 + i, 'Cliente ' || i, '5511' || lpad(((c - 1) * $2 + i)::text, 9, '0'), c, now(), now()
             FROM generate_series(1, $1) c, generate_series(1, $2) i`);
  // 40 open (fromMe; ages up to 48 h, 20 of them in lane 1), 30 pending without a queue (up to
  // 60 min), 30 pending in the routed queue, half with an attendant (up to 30 min).
  await q(`INSERT INTO "Tickets" (id, status, "contactId", "whatsappId", "queueId", "userId", "companyId",
             "fromMe", "unreadMessages", "createdAt", "updatedAt")
           SELECT (c - 1) * $2 + i,
                  CASE WHEN i <= 40 THEN 'open' ELSE 'pending' END,
                  (c - 1) * $2 + i, c,
                  CASE WHEN i > 70 THEN 2 * c - 1 END,
                  CASE WHEN i > 70 AND i % 2 = 0 THEN 3 * c - 2 END,
                  c, i <= 40, 1, now() - interval '3 days',
                  now() - random() * CASE WHEN i <= 40 THEN interval '48 hours'
                                          WHEN i <= 70 THEN interval '60 minutes'
                                          ELSE interval '30 minutes' END
             FROM generate_series(1, $1) c, generate_series(1, $2) i`);
  await q(`INSERT INTO "TicketTags" ("ticketId", "tagId", "createdAt", "updatedAt")
           SELECT t.id, 2 * t."companyId", t."updatedAt", t."updatedAt" FROM "Tickets" t
            WHERE t.id - (t."companyId" - 1) * ${TICKETS} <= 20`);
  for (const table of [
    "Companies",
    "Queues",
    "Whatsapps",
    "Users",
    "Tags",
    "Contacts",
    "Tickets",
  ]) {
    await sql.query(
      `SELECT setval(pg_get_serial_sequence('"${table}"', 'id'), (SELECT max(id) FROM "${table}"))`,
    );
  }
  await sql.query(`CREATE TABLE bench_tickets AS SELECT * FROM "Tickets"`);
  await sql.query(`CREATE TABLE bench_ticket_tags AS SELECT * FROM "TicketTags"`);
  await sql.query("ANALYZE");
}

/** Puts the tickets, lanes and logs back as seeded (not timed). */
export async function restore(sql: Sequelize): Promise<void> {
  await sql.query(`UPDATE "Tickets" t SET status = b.status, "queueId" = b."queueId", "userId" = b."userId",
                     "closedAt" = NULL, "unreadMessages" = b."unreadMessages", "updatedAt" = b."updatedAt"
                     FROM bench_tickets b WHERE b.id = t.id`);
  await sql.query(`TRUNCATE "TicketTags", "LogTickets"`);
  await sql.query(`INSERT INTO "TicketTags" SELECT * FROM bench_ticket_tags`);
  await sql.query(`VACUUM ANALYZE "Tickets"`);
  await sql.query(`ANALYZE "TicketTags"`);
}

function jobs(ops: TicketOpsService, sql: Sequelize): Job[] {
  const now = () => new Date();
  return [
    {
      name: "VerifyQueueStatus",
      async run() {
        const found = await ops.findTickets(
          {
            status: "pending",
            queue: "none",
            connected: true,
            idle: { kind: "connectionTimeSendQueue" },
          },
          now(),
        );
        const moved = await ops.updateTickets(found, { queue: "redirect" }, now());
        await ops.logTickets(moved, "redirect", now());
        return moved.length;
      },
    },
    {
      name: "DistributeTickets",
      async run() {
        let touched = 0;
        for (const stage of [
          { user: "without" as const },
          { user: "with" as const, idle: { kind: "queueTempoRoteador" as const } },
        ]) {
          const found = await ops.findTickets(
            { status: "pending", queue: "routed", ...stage },
            now(),
          );
          const changed = await ops.updateTickets(
            await ops.pickAttendants(found),
            { user: "picked" },
            now(),
          );
          touched += changed.length;
        }
        return touched;
      },
    },
    {
      name: "MoveKanbanLanes",
      async run() {
        const companies = await ops.findCompanies({ active: true, feature: "useKanban" });
        return (
          await ops.moveLanes(
            companies.map((c) => c.id),
            now(),
          )
        ).length;
      },
    },
    {
      name: "CloseInactiveTickets",
      async run() {
        const found = await ops.findTickets(
          {
            status: "open",
            groups: false,
            connected: true,
            idle: { kind: "connectionExpiresTicket" },
          },
          now(),
        );
        const closed = await ops.updateTickets(found, { close: true, emit: "delete" }, now());
        await ops.logTickets(closed, "autoClose", now());
        return closed.length;
      },
    },
    {
      name: "CloseInactiveTickets, original's shape (baseline)",
      async run() {
        return closePerTicket(sql);
      },
    },
  ];
}

/** The original's ClosedAllOpenTickets shape: per company, per connection, then per ticket. */
async function closePerTicket(sql: Sequelize): Promise<number> {
  const select = <T extends object>(text: string, bind: unknown[]) =>
    sql.query<T>(text, { bind, type: QueryTypes.SELECT });
  let closed = 0;
  const companies = await select<{ id: number }>(
    `SELECT id FROM "Companies" WHERE status ORDER BY id`,
    [],
  );
  for (const company of companies) {
    const connections = await select<{ id: number; expiresTicket: number }>(
      `SELECT id, "expiresTicket" FROM "Whatsapps" WHERE "companyId" = $1 AND status = 'CONNECTED' AND "expiresTicket" > 0`,
      [company.id],
    );
    for (const w of connections) {
      const tickets = await select<{ id: number }>(
        `SELECT id FROM "Tickets" WHERE status = 'open' AND "whatsappId" = $1 AND "companyId" = $2
            AND NOT "isGroup" AND "updatedAt" < now() - $3 * interval '1 hour'`,
        [w.id, company.id, w.expiresTicket],
      );
      for (const t of tickets) {
        await sql.query(
          `UPDATE "Tickets" SET status = 'closed', "closedAt" = now(), "unreadMessages" = 0, "updatedAt" = now() WHERE id = $1`,
          { bind: [t.id] },
        );
        await sql.query(
          `INSERT INTO "LogTickets" (type, "ticketId", "createdAt", "updatedAt") VALUES ('autoClose', $1, now(), now())`,
          { bind: [t.id] },
        );
        closed++;
      }
    }
  }
  return closed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function timed(job: Job): Promise<{ ms: number; rows: number }> {
  const start = process.hrtime.bigint();
  const rows = await job.run();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, rows };
}

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const redis = createTestRedis();
  try {
    await migrateUp(db.sequelize);
    const seedStart = Date.now();
    await seed(db.sequelize);
    console.log(
      `seeded ${COMPANIES} companies × ${TICKETS} tickets in ${Date.now() - seedStart} ms`,
    );
    const ops = new TicketOpsService({
      tickets: new SequelizeTicketOpsStore(db.sequelize),
      board: new SequelizeBoardStore(db.sequelize),
      events: new RedisCompanyEvents(redis.redis, redis.prefix.slice(0, -1)),
    });
    const results = new Map<
      string,
      { backlog: { ms: number; rows: number }[]; steady: { ms: number; rows: number }[] }
    >();
    for (let run = 0; run < RUNS; run++) {
      const selected = jobs(ops, db.sequelize).filter((j) => !ONLY || j.name.startsWith(ONLY));
      // The baseline's backlog takes minutes: it runs in the first round only.
      for (const job of selected.filter((j) => run === 0 || !j.name.includes("baseline"))) {
        await restore(db.sequelize);
        const backlog = await timed(job);
        const steady = await timed(job);
        const entry = results.get(job.name) ?? { backlog: [], steady: [] };
        entry.backlog.push(backlog);
        entry.steady.push(steady);
        results.set(job.name, entry);
      }
    }
    console.log(
      `\nmedian of ${RUNS} runs (the baseline: 1); backlog = first run on the seeded ages, steady = the run right after`,
    );
    console.log("| job | backlog rows | backlog ms | steady rows | steady ms |");
    console.log("|---|---|---|---|---|");
    for (const [name, r] of results) {
      const line = [
        name,
        median(r.backlog.map((x) => x.rows)),
        median(r.backlog.map((x) => x.ms)).toFixed(0),
        median(r.steady.map((x) => x.rows)),
        median(r.steady.map((x) => x.ms)).toFixed(0),
      ];
      console.log(`| ${line.join(" | ")} |`);
    }
    const ours = results.get("CloseInactiveTickets");
    const base = results.get("CloseInactiveTickets, original's shape (baseline)");
    if (ours && base) {
      const ratio = median(base.backlog.map((x) => x.ms)) / median(ours.backlog.map((x) => x.ms));
      const steadyRatio =
        median(base.steady.map((x) => x.ms)) / median(ours.steady.map((x) => x.ms));
      console.log(
        `\nCloseInactiveTickets, original's shape / set-based: ${ratio.toFixed(1)}× the time on the backlog, ${steadyRatio.toFixed(1)}× in the steady state`,
      );
    }
  } finally {
    await redis.cleanup();
    await db.drop();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
