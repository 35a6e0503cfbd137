// `chatia-flow demo` and `db …` as a user runs them, against a database of this test's own.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../runtime/adapters/db/migrations";
import { createRedis } from "../../runtime/adapters/redis";
import { runCli } from "../helpers/cli";
import { adminDatabaseUrl } from "../helpers/database";
import { startProcess } from "../helpers/process";

const name = `chatia_test_cli_${randomBytes(4).toString("hex")}`;
const url = Object.assign(new URL(adminDatabaseUrl()), { pathname: `/${name}` }).toString();
const env = { DATABASE_URL: url };

const dataDir = mkdtempSync(path.join(tmpdir(), "chatia-demo-"));
const prefix = `cf-test-demo-${randomBytes(4).toString("hex")}`;

/** Runs `chatia-flow demo` until it serves, checks it answers, stops it with SIGTERM; returns its output. */
async function runDemo(): Promise<string> {
  const demo = startProcess(["demo", "--port", "0"], {
    ...env,
    CHATIA_DATA_DIR: dataDir,
    REDIS_PREFIX: prefix,
  });
  const [, base] = await demo.waitFor(/running at (http:\/\/\S+)/, 60_000);
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  demo.child.kill("SIGTERM");
  expect(await demo.exited()).toBe(0);
  return demo.output();
}

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  const redis = createRedis();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  const client = new Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await client.end();
});

describe("chatia-flow demo and db", { timeout: 120_000 }, () => {
  it("demo creates the database, migrates, seeds, prints credentials once, then runs until SIGTERM", async () => {
    const first = await runDemo();
    expect(first).toContain(`created database ${url}`);
    expect(first).toContain("applied 006-send-ledger");
    expect(first).toMatch(
      /seeded the demo company \(id \d+\): Plans 1, Companies 1,.* Contacts 200/,
    );
    const logins = first.match(/^ {2}(admin|user) +\S+@\S+ {2}\S{12,}$/gm) ?? [];
    expect(logins).toHaveLength(4);
    expect(first).toMatch(
      /editor {2}http:\/\/127\.0\.0\.1:\d+\/flows\/ \(login admin \/ \S{16,}\)/,
    );
    expect(first).toMatch(/api {5}http:\/\/127\.0\.0\.1:\d+\/api \(OpenAPI document at /);
    expect(first).toMatch(/board {3}http:\/\/127\.0\.0\.1:\d+\/admin\/queues /);

    const second = await runDemo();
    expect(second).not.toContain("created database");
    expect(second).toContain("database is up to date");
    expect(second).toContain("demo data already present");
    expect(second).not.toMatch(/@demo\.chatia\.local/);
    // The generated editor login is kept for the next start.
    const login = (text: string) => text.match(/login admin \/ (\S+)\)/)?.[1];
    expect(login(second)).toBe(login(first));
  });

  it("db seed --demo refuses to seed twice", () => {
    const result = runCli(["db", "seed", "--demo"], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("the demo company already exists; nothing was written");
  });

  it("db migrate:undo --all, db status and db migrate go down and up again", () => {
    const down = runCli(["db", "migrate:undo", "--all"], { env });
    expect(down.code).toBe(0);
    const names = MIGRATIONS.map((m) => m.name);
    expect(down.stdout.trim().split("\n")).toEqual(
      [...names].reverse().map((name) => `reverted ${name}`),
    );
    const status = runCli(["db", "status"], { env });
    expect(status.stdout.trim().split("\n")).toEqual(names.map((name) => `pending  ${name}`));
    const up = runCli(["db", "migrate", "--database-url", url]);
    expect(up.code).toBe(0);
    expect(up.stdout.trim().split("\n")).toHaveLength(names.length);
    expect(runCli(["db", "migrate"], { env }).stdout).toBe("database is up to date\n");
  });

  it("reports an unreachable database with CF_DB_CONNECT and exit 1, without a stack trace", () => {
    const result = runCli([
      "db",
      "migrate",
      "--database-url",
      "postgres://postgres@127.0.0.1:1/none",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^CF_DB_CONNECT: cannot reach Postgres at 127\.0\.0\.1:1\/none/);
    expect(result.stderr).not.toContain("    at ");
  });
});
