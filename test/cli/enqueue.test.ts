// A SendMessage enqueued by hand reaches the simulated WhatsApp once, and lands in Messages.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatedWhatsApp } from "../../runtime/adapters/whatsapp";
import { runCli } from "../helpers/cli";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { type RunningProcess, startProcess } from "../helpers/process";
import { createTestRedis, type TestRedis } from "../helpers/redis";

let db: TestDatabase;
let redis: TestRedis;
let demo: RunningProcess;
let env: Record<string, string>;
const dataDir = mkdtempSync(path.join(tmpdir(), "chatia-enqueue-"));

beforeAll(async () => {
  db = await createTestDatabase();
  redis = createTestRedis();
  env = {
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix.slice(0, -1),
    CHATIA_DATA_DIR: dataDir,
  };
  demo = startProcess(["demo", "--port", "0"], env);
  await demo.waitFor(/running at http/, 90_000);
}, 120_000);

afterAll(async () => {
  demo?.child.kill("SIGTERM");
  await demo?.exited();
  await redis?.cleanup();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("chatia-flow enqueue", () => {
  const data = JSON.stringify({
    whatsappId: 1,
    data: { number: "5511999990000", body: "Olá pelo terminal" },
  });

  it("sends a message by hand through the running demo, once, and records it", async () => {
    const first = runCli(
      ["enqueue", "MessageQueue", "SendMessage", data, "--job-id", "by-hand-1", "--wait"],
      { env },
    );
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^enqueued MessageQueue\/SendMessage job by-hand-1\ncompleted: \{.*"alreadySent":false/,
    );

    const again = runCli(
      ["enqueue", "MessageQueue", "SendMessage", data, "--job-id", "by-hand-1", "--wait"],
      { env },
    );
    expect(again.code).toBe(0);

    const sends = await new SimulatedWhatsApp(redis.redis, {
      prefix: `${redis.prefix.slice(0, -1)}:chatia:`,
    }).sends();
    expect(sends.map((s) => [s.connectionId, s.jid, s.text])).toEqual([
      [1, "5511999990000@s.whatsapp.net", "Olá pelo terminal"],
    ]);
    const [rows] = await db.sequelize.query(
      `SELECT body, "fromMe" FROM "Messages" WHERE body = 'Olá pelo terminal'`,
    );
    expect(rows).toEqual([{ body: "Olá pelo terminal", fromMe: true }]);
  });

  it("waits for a cron's job run by hand, which keeps no result (removed on completion)", async () => {
    const run = runCli(["enqueue", "SessionMonitor", "PurgeWhatsappSessions", "{}", "--wait"], {
      env,
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^enqueued SessionMonitor\/PurgeWhatsappSessions job \S+\ncompleted(: \{.*\})?\n$/,
    );
  });

  it("refuses data that does not fit the payload schema, naming every problem, and adds nothing", async () => {
    const result = runCli(
      ["enqueue", "MessageQueue", "SendMessage", '{"whatsappId":"one","data":{}}'],
      { env },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "CF_JOB_BAD_PAYLOAD: MessageQueue/SendMessage: payload/whatsappId must be integer",
    );
    expect(result.stderr).toContain('payload/data is missing "number"');
  });

  it("fails an unknown connection as a user error, without retrying, and prints its code", async () => {
    const unknown = JSON.stringify({
      whatsappId: 999,
      data: { number: "5511999990001", body: "x" },
    });
    const result = runCli(["enqueue", "MessageQueue", "SendMessage", unknown, "--wait"], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^failed: CF_TENANCY_OWNER_UNKNOWN: .*999/m);
  });
});
