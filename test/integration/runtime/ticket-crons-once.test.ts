// Two processes running DistributeTickets and CloseInactiveTickets every second, with extra runs
// enqueued in bulk so that both processes run the same job at the same moment: each ticket is
// assigned once, reassigned once, closed once, and each greeting and farewell goes out once.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addJob,
  BullConnections,
  openQueue,
} from "../../../runtime/adapters/bull/bull-queue-adapter";
import { migrateUp } from "../../../runtime/adapters/db";
import { SimulatedWhatsApp } from "../../../runtime/adapters/whatsapp";
import { compile } from "../../../runtime/compile";
import { loadManifest } from "../../../runtime/manifest";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { type RunningProcess, startProcess } from "../../helpers/process";
import { createTestRedis, type TestRedis } from "../../helpers/redis";
import { TicketWorld } from "../../helpers/tickets";

const MANIFEST = path.resolve(
  __dirname,
  "../../fixtures/runtime/ticket-crons-every-second/jobs.yaml",
);

let dir: string;
let db: TestDatabase;
let redis: TestRedis;
let processes: RunningProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "chatia-ticket-crons-"));
  await cp(MANIFEST, path.join(dir, "jobs.yaml"));
  for (const flow of ["distribute-tickets", "close-inactive-tickets"]) {
    await cp(
      path.resolve(__dirname, `../../../flows/${flow}.json`),
      path.join(dir, "flows", `${flow}.json`),
    );
  }
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  redis = createTestRedis();
}, 60_000);

afterAll(async () => {
  for (const p of processes) p.child.kill("SIGTERM");
  await Promise.all(processes.map((p) => p.exited()));
  await redis?.cleanup();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("ticket crons in a cluster", () => {
  it("two processes assign, reassign and close each ticket once, with one greeting and one farewell each", async () => {
    const w = new TicketWorld(db.sequelize);
    const company = await w.company({ greeting: true });
    const q = await w.queue(company, { routed: true, tempoRoteador: 5 });
    const conn = await w.connection(company, { expiresTicket: 1, farewell: "Até breve!" });
    const current = await w.user(company, { queues: [q] });
    for (let i = 0; i < 2; i++) await w.user(company, { queues: [q] });
    const unassigned = await w.ticket(company, { queueId: q, whatsappId: conn });
    const idle = await w.ticket(company, {
      queueId: q,
      whatsappId: conn,
      userId: current,
      idleMinutes: 10,
    });
    const inactive = await w.ticket(company, { status: "open", whatsappId: conn, idleMinutes: 90 });

    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix.slice(0, -1),
      CHATIA_MANIFEST: path.join(dir, "jobs.yaml"),
      NODE_RED_CREDENTIAL_SECRET: "ticket-crons-credential-secret",
      CHATIA_JWT_SECRET: "test-jwt-secret-0123456789abcdefghijklmnop",
    };
    processes = [1, 2].map((n) =>
      startProcess(["start", "--no-editor", "--port", "0"], {
        ...env,
        CHATIA_DATA_DIR: path.join(dir, `.nr-${n}`),
      }),
    );
    await Promise.all(processes.map((p) => p.waitFor(/chatia-flow all running/, 60_000)));
    // Runs side by side in both processes, on top of the crons.
    const plan = compile(await loadManifest(path.join(dir, "jobs.yaml")));
    const connections = new BullConnections({ url: redis.url, prefix: redis.prefix.slice(0, -1) });
    const queues = plan.queues.map((q) =>
      openQueue({ name: q.name, settings: q.settings }, connections),
    );
    try {
      for (let round = 0; round < 3; round++) {
        const adds = queues.flatMap((queue) => {
          const name = queue.name === "TicketRouter" ? "DistributeTickets" : "CloseInactiveTickets";
          return Array.from({ length: 4 }, () =>
            addJob(queue, name, {}, { removeOnComplete: false }),
          );
        });
        // Each round once the last one's runs are done, so that rounds meet different cron runs.
        const jobs = await Promise.all(adds);
        await Promise.all(jobs.map((job) => job.finished()));
      }
      // Every run that had started (cron or by hand) has finished once no run is active.
      const deadline = Date.now() + 20_000;
      for (;;) {
        const active = await Promise.all(queues.map((q) => q.getActiveCount()));
        if (active.every((n) => n === 0)) break;
        if (Date.now() > deadline) throw new Error(`runs still active: ${active.join(", ")}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await Promise.all(queues.map((q) => q.close()));
      await connections.close();
    }

    const rows = await w.rows<{ id: number; userId: number | null; status: string }>(
      `SELECT id, "userId", status FROM "Tickets" WHERE id = ANY($1) ORDER BY id`,
      [[unassigned, idle, inactive]],
    );
    expect(rows[0]?.userId).not.toBeNull();
    expect(rows[1]?.userId).not.toBe(current);
    expect(rows[2]?.status).toBe("closed");

    const wa = new SimulatedWhatsApp(redis.redis, { prefix: `${redis.prefix}chatia:` });
    const texts = (await wa.sends({ connectionId: conn })).map((s) => s.text);
    const greetings = texts.filter((t) => t?.includes("Assistente Virtual"));
    expect(greetings).toHaveLength(2);
    expect(texts.filter((t) => t === "\u200e Até breve!")).toHaveLength(1);
    const closeLogs = await w.rows(
      `SELECT id FROM "LogTickets" WHERE "ticketId" = $1 AND type = 'autoClose'`,
      [inactive],
    );
    expect(closeLogs).toHaveLength(1);
    const completed = await Promise.all([
      redis.redis.zcard(`${redis.prefix}TicketRouter:completed`),
      redis.redis.zcard(`${redis.prefix}TicketMonitor:completed`),
    ]);
    expect(Math.min(...completed)).toBeGreaterThanOrEqual(12);
  });
});
