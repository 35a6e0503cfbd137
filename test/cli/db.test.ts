// `chatia-flow demo` and `db …` as a user runs them, against a database of this test's own.
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli";
import { adminDatabaseUrl } from "../helpers/database";

const name = `chatia_test_cli_${randomBytes(4).toString("hex")}`;
const url = Object.assign(new URL(adminDatabaseUrl()), { pathname: `/${name}` }).toString();
const env = { DATABASE_URL: url };

afterAll(async () => {
  const client = new Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await client.end();
});

describe("chatia-flow demo and db", () => {
  it("demo creates the database, migrates, seeds, prints credentials once, then the plan", () => {
    const first = runCli(["demo"], { env });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`created database ${url}`);
    expect(first.stdout).toContain("applied 005-cron-indexes");
    expect(first.stdout).toMatch(
      /seeded the demo company \(id \d+\): Plans 1, Companies 1,.* Contacts 200/,
    );
    const logins = first.stdout.match(/^ {2}(admin|user) +\S+@\S+ {2}\S{12,}$/gm) ?? [];
    expect(logins).toHaveLength(4);
    expect(first.stdout).toContain("Plan for jobs.yaml: 11 queues, 14 jobs");

    const second = runCli(["demo"], { env });
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain("created database");
    expect(second.stdout).toContain("database is up to date");
    expect(second.stdout).toContain("demo data already present");
    expect(second.stdout).not.toMatch(/@demo\.chatia\.local/);
  });

  it("db seed --demo refuses to seed twice", () => {
    const result = runCli(["db", "seed", "--demo"], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("the demo company already exists; nothing was written");
  });

  it("db migrate:undo --all, db status and db migrate go down and up again", () => {
    const down = runCli(["db", "migrate:undo", "--all"], { env });
    expect(down.code).toBe(0);
    expect(down.stdout.trim().split("\n")).toEqual([
      "reverted 005-cron-indexes",
      "reverted 004-billing-settings",
      "reverted 003-schedules-campaigns",
      "reverted 002-tickets-messages",
      "reverted 001-core",
    ]);
    const status = runCli(["db", "status"], { env });
    expect(status.stdout.trim().split("\n")).toEqual([
      "pending  001-core",
      "pending  002-tickets-messages",
      "pending  003-schedules-campaigns",
      "pending  004-billing-settings",
      "pending  005-cron-indexes",
    ]);
    const up = runCli(["db", "migrate", "--database-url", url]);
    expect(up.code).toBe(0);
    expect(up.stdout.trim().split("\n")).toHaveLength(5);
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
