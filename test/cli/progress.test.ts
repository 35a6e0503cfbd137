// The CLI's progress bar: drawn for `db seed` and `apply` when stderr is a terminal (a real
// pseudo-terminal from util-linux `script`), never when output is piped, so scripts and logs
// see only the result lines.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../runtime/adapters/db";
import { terminalProgress } from "../../runtime/cli/progress";
import { ROOT, runCli } from "../helpers/cli";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { createTestRedis, type TestRedis } from "../helpers/redis";

const BIN = path.join(ROOT, "bin", "chatia-flow.js");
let db: TestDatabase;
let redis: TestRedis;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  redis = createTestRedis();
  dir = mkdtempSync(path.join(tmpdir(), "chatia-progress-"));
  cpSync(path.resolve(__dirname, "../fixtures/runtime/behaviours"), dir, { recursive: true });
});
afterAll(async () => {
  await redis?.cleanup();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI inside a pseudo-terminal; returns everything the terminal showed. */
function inTerminal(
  args: string[],
  env: Record<string, string>,
): { code: number | null; screen: string } {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(" ");
  const result = spawnSync("script", ["-qefc", command, "/dev/null"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, NO_COLOR: "1", TERM: "xterm", COLUMNS: "100", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, screen: result.stdout };
}

class Screen extends Writable {
  text = "";
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe("the progress bar", () => {
  it("draws steps on a terminal and nothing on a pipe", () => {
    const tty = Object.assign(new Screen(true), { columns: 80 });
    const bar = terminalProgress(tty, {});
    bar.update(1, 3, "users");
    bar.update(3, 3, "tickets");
    bar.stop();
    expect(tty.text).toMatch(/3\/3 tickets/);
    const pipe = new Screen(false);
    const silent = terminalProgress(pipe, {});
    silent.update(1, 3, "users");
    silent.stop();
    expect(pipe.text).toBe("");
    const off = new Screen(true);
    terminalProgress(off, { CHATIA_PROGRESS: "0" }).update(1, 2, "x");
    expect(off.text).toBe("");
  });

  it("shows `db seed --demo` step by step on a terminal", () => {
    const { code, screen } = inTerminal(["db", "seed", "--demo"], { DATABASE_URL: db.url });
    expect(code).toBe(0);
    expect(screen).toMatch(/\d\/8 (company and settings|users|contacts|tickets)/);
    expect(screen).toContain("seeded the demo company");
  });

  it("shows `apply` step by step on a terminal", () => {
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix.slice(0, -1) };
    const manifest = path.join(dir, "jobs.yaml");
    const { code, screen } = inTerminal(["apply", manifest], env);
    expect(code).toBe(0);
    expect(screen).toMatch(/1\/1 added CronQueue\/Tick/);
    expect(screen).toContain("1 change applied");
  });

  it("draws nothing when output is piped: the result lines only", async () => {
    const piped = await createTestDatabase();
    try {
      await migrateUp(piped.sequelize);
      const seeded = runCli(["db", "seed", "--demo"], { env: { DATABASE_URL: piped.url } });
      expect(seeded.code).toBe(0);
      expect(seeded.stderr).toBe("");
      expect(seeded.stdout).toMatch(/^seeded the demo company/);
      expect(seeded.stdout).not.toMatch(/\/8/);
      expect(seeded.stdout).not.toContain(String.fromCharCode(27));
    } finally {
      await piped.drop();
    }
  });
});
