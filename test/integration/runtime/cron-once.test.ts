// Several processes running the same crons at once produce each effect exactly once: the cron
// trigger fires once per cluster (a Bull repeatable job), and the invoice is unique by constraint.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { type RunningProcess, startProcess } from "../../helpers/process";
import { createTestRedis, type TestRedis } from "../../helpers/redis";
import { testRows } from "../../helpers/rows";

let dir: string;
let db: TestDatabase;
let redis: TestRedis;
let processes: RunningProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "chatia-cron-once-"));
  await cp(path.resolve(__dirname, "../../fixtures/runtime/billing-every-second"), dir, {
    recursive: true,
  });
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  const rows = testRows(db.sequelize);
  const plan = await rows.insert("Plans", { name: "Plano Prata", amount: "99.90" });
  const due = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
  for (const name of ["A", "B", "C"])
    await rows.insert("Companies", { name, planId: plan.id, dueDate: due, timezone: "UTC" });
  redis = createTestRedis();
}, 60_000);

afterAll(async () => {
  for (const p of processes) p.child.kill("SIGTERM");
  await Promise.all(processes.map((p) => p.exited()));
  await redis?.cleanup();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("crons in a cluster", () => {
  it("three processes running CreateInvoices every second create one invoice per company", async () => {
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix.slice(0, -1),
      CHATIA_MANIFEST: path.join(dir, "jobs.yaml"),
      NODE_RED_CREDENTIAL_SECRET: "cron-once-credential-secret",
      CHATIA_JWT_SECRET: "test-jwt-secret-0123456789abcdefghijklmnop",
    };
    processes = [1, 2, 3].map((n) =>
      startProcess(["start", "--no-editor", "--port", "0"], {
        ...env,
        CHATIA_DATA_DIR: path.join(dir, `.nr-${n}`),
      }),
    );
    await Promise.all(processes.map((p) => p.waitFor(/chatia-flow all running/, 60_000)));
    // Until the cron has run 4 times (each run a completed job, kept by the fixture).
    const completed = `${redis.prefix}InvoiceMonitor:completed`;
    const deadline = Date.now() + 30_000;
    let ids = await redis.redis.zrange(completed, 0, -1);
    while (ids.length < 4) {
      if (Date.now() > deadline) throw new Error(`${ids.length} of 4 runs in 30 s`);
      await new Promise((r) => setTimeout(r, 100));
      ids = await redis.redis.zrange(completed, 0, -1);
    }
    const invoices = await testRows(db.sequelize).find("Invoices", {}, ["companyId"]);
    expect(invoices.map((i) => [i.detail, i.value, i.status])).toEqual([
      ["Plano Prata", "99.90", "open"],
      ["Plano Prata", "99.90", "open"],
      ["Plano Prata", "99.90", "open"],
    ]);
    // Once per second, not once per process: each run is of its own second (a cron job's id
    // ends with the instant it was due at), and no second ran twice.
    const instants = ids.map((id) => Number(id.split(":").at(-1)));
    expect(instants.every((ms) => Number.isInteger(ms) && ms % 1000 === 0)).toBe(true);
    expect(new Set(instants).size).toBe(ids.length);
    // One trigger in Redis, however many processes reconciled it at start.
    const keys = await redis.redis.zrange(`${redis.prefix}InvoiceMonitor:repeat`, 0, -1);
    expect(keys).toHaveLength(1);
  });
});
