// A Redis client of the runtime that ends for good (ioredis emits `end` and will not reconnect)
// makes the process log CF_REDIS_ENDED naming the client and exit 1, for its supervisor to start a
// fresh one, instead of staying alive, never ready, unable to stop. The trigger is faithful to
// ioredis's own path: the test kills the client's connection in Redis (CLIENT KILL), and the
// client, preloaded (test/helpers/redis-gives-up.cjs) with a retry strategy that gives up, does
// not reconnect: ioredis closes it for good and emits `end`, as it does when a reconnect fails
// for good. Without that preload the same kill is a blip: the client reconnects and the process
// stays ready.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db";
import type { Redis } from "../../../runtime/adapters/redis";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { type RunningProcess, startProcess } from "../../helpers/process";
import { createTestRedis, type TestRedis } from "../../helpers/redis";

const fixture = path.resolve(__dirname, "../../fixtures/runtime/behaviours");
const PRELOAD = path.resolve(__dirname, "../../helpers/redis-gives-up.cjs");
let dir: string;
let db: TestDatabase;
let redis: TestRedis;
let env: NodeJS.ProcessEnv;
const running: RunningProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "chatia-redis-ends-"));
  await cp(fixture, dir, { recursive: true });
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  redis = createTestRedis();
  env = {
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix.slice(0, -1),
    CHATIA_MANIFEST: path.join(dir, "jobs.yaml"),
    CHATIA_DATA_DIR: path.join(dir, ".node-red"),
    CHATIA_ADMIN_PASSWORD: "redis-ends-test-password",
    NODE_RED_CREDENTIAL_SECRET: "redis-ends-test-credential-secret",
    CHATIA_JWT_SECRET: "test-jwt-secret-0123456789abcdefghijklmnop",
    NODE_OPTIONS: `--require ${PRELOAD}`,
  };
}, 60_000);

afterAll(async () => {
  for (const proc of running)
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill("SIGKILL");
      await proc.exited();
    }
  await redis?.cleanup();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

/** Starts `chatia-flow start`; resolves with it and its base URL once it is running. */
async function start(givesUp: string): Promise<{ proc: RunningProcess; url: string }> {
  const proc = startProcess(["start", "--port", "0", "--no-editor"], {
    ...env,
    CHATIA_TEST_REDIS_GIVES_UP: givesUp,
  });
  running.push(proc);
  await proc.waitFor(/chatia-flow all running/, 60_000);
  const [, url] = await proc.waitFor(/health\s+(\S+)\/readyz/);
  return { proc, url: url ?? "" };
}

/** Kills, in Redis, the connections of process `pid` named `name`; resolves with how many. */
async function killConnections(admin: Redis, name: string, pid: number): Promise<number> {
  const list = (await admin.client("LIST")) as string;
  const ids = list
    .split("\n")
    .filter((line) => line.includes(` name=${name}@${pid} `))
    .map((line) => /^id=(\d+) /.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
  for (const id of ids) await admin.client("KILL", "ID", id);
  return ids.length;
}

/** Resolves with the exit code, or fails when the process still runs after `ms`. */
function exitWithin(proc: RunningProcess, ms: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`still running after ${ms} ms:\n${proc.output()}`)),
      ms,
    );
  });
  return Promise.race([proc.exited(), late]).finally(() => clearTimeout(timer));
}

async function readyz(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`)).status;
}

describe("a Redis client of the runtime that ends for good", () => {
  it.each([
    ["chatia-flow:socket.io-sub"],
    ["chatia-flow:socket.io-pub"],
    ["chatia-flow:bull"],
    ["chatia-flow:bull-sub"],
  ])(
    "%s: the process logs CF_REDIS_ENDED naming it and exits 1",
    async (client) => {
      const { proc } = await start(client);
      const pid = proc.child.pid ?? 0;
      expect(await killConnections(redis.redis, client, pid)).toBe(1);
      expect(await exitWithin(proc, 15_000)).toBe(1);
      const ended = proc
        .output()
        .split("\n")
        .filter((line) => line.includes("CF_REDIS_ENDED"));
      expect(ended).toHaveLength(1);
      expect(ended[0]).toContain(`"client":"${client}"`);
      expect(ended[0]).toContain(`Redis client ${client} ended and will not reconnect`);
    },
    90_000,
  );

  it("a killed connection that reconnects is not fatal: the process stays ready", async () => {
    const { proc, url } = await start("");
    const pid = proc.child.pid ?? 0;
    expect(await killConnections(redis.redis, "chatia-flow:socket.io-sub", pid)).toBe(1);
    // Back on its feet: the subscriber connected again, under its name, and /readyz says so.
    for (let n = 0; ; n++) {
      const back = (await redis.redis.client("LIST")) as string;
      if (back.includes(` name=chatia-flow:socket.io-sub@${pid} `) && (await readyz(url)) === 200)
        break;
      if (n > 200) throw new Error(`the subscriber did not come back:\n${proc.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(proc.output()).not.toContain("CF_REDIS_ENDED");
    proc.child.kill("SIGTERM");
    expect(await exitWithin(proc, 30_000)).toBe(0);
  }, 90_000);
});
