// A real runtime for a test: its own database (migrated), Redis prefix, copy of the fixture's
// manifest and flows in a temp folder (deploys write there), and port. stop() removes it all.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { migrateUp } from "../../runtime/adapters/db";
import { NODES_DIRS, type RuntimeConfig } from "../../runtime/app/config";
import { type RunningRuntime, startRuntime } from "../../runtime/app/runtime";
import { buildServices } from "../../runtime/app/services";
import { createLogger, type Logger } from "../../runtime/observability/logger";
import { type Timeouts, timeoutsFromEnv } from "../../runtime/timeouts";
import { createTestDatabase, type TestDatabase } from "./database";
import { createTestRedis, type TestRedis } from "./redis";

export interface TestRuntime {
  readonly runtime: RunningRuntime;
  readonly dir: string;
  readonly db: TestDatabase;
  readonly redis: TestRedis;
  readonly config: RuntimeConfig;
  /**
   * Stops the runtime only, keeping its folder, database and Redis prefix (e.g. for a process
   * started on them next: Node-RED runs once per process). stop() then removes the rest.
   */
  stopRuntime(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestRuntimeOptions {
  readonly role?: RuntimeConfig["role"];
  readonly editor?: boolean;
  readonly watchManifest?: boolean;
  readonly graceMs?: number;
  readonly corsOrigins?: readonly string[];
  readonly tokenRecheckMs?: number;
  readonly quotas?: RuntimeConfig["quotas"];
  /** The runtime's log. @defaultValue silent (or $TEST_LOG_LEVEL) */
  readonly log?: Logger;
  /** Runs after the test's database and Redis prefix exist and before the runtime starts. */
  readonly beforeStart?: (redis: TestRedis, db: TestDatabase) => Promise<void>;
  /** Changes the URLs the runtime connects with (e.g. through a TcpProxy). */
  readonly databaseUrl?: (url: string) => string;
  readonly redisUrl?: (url: string) => string;
  /** Bounds on waits; unset ones take their defaults. */
  readonly timeouts?: Partial<Timeouts>;
  readonly trustProxy?: RuntimeConfig["trustProxy"];
}

/** The runtime's NODE_RED_CREDENTIAL_SECRET (what the api signs published flows with). */
export const TEST_CREDENTIAL_SECRET = "test-credential-secret-0123456789";

/** Copies `fixtureDir` (jobs.yaml, flows/, schemas) to a temp folder and starts a runtime on it. */
export async function startTestRuntime(
  fixtureDir: string,
  options: TestRuntimeOptions = {},
): Promise<TestRuntime> {
  const dir = await mkdtemp(path.join(tmpdir(), "chatia-runtime-"));
  await cp(fixtureDir, dir, { recursive: true });
  const db = await createTestDatabase();
  await migrateUp(db.sequelize);
  const redis = createTestRedis();
  await options.beforeStart?.(redis, db);
  const config: RuntimeConfig = {
    role: options.role ?? "all",
    manifestFile: path.join(dir, "jobs.yaml"),
    flowsDir: path.join(dir, "flows"),
    userDir: path.join(dir, ".node-red"),
    nodesDirs: NODES_DIRS,
    mediaDir: path.join(dir, "public"),
    host: "127.0.0.1",
    port: 0,
    redisUrl: options.redisUrl?.(redis.url) ?? redis.url,
    prefix: redis.prefix.replace(/:$/, ""),
    databaseUrl: options.databaseUrl?.(db.url) ?? db.url,
    editorPath: options.editor === false ? false : "/flows",
    admin: { username: "admin", password: "test-password-0123456789" },
    credentialSecret: TEST_CREDENTIAL_SECRET,
    jwtSecret: "test-jwt-secret-0123456789abcdefghijklmnop",
    graceMs: options.graceMs ?? 5000,
    demo: false,
    watchManifest: options.watchManifest ?? false,
    corsOrigins: options.corsOrigins ?? [],
    ...(options.tokenRecheckMs !== undefined && { tokenRecheckMs: options.tokenRecheckMs }),
    ...(options.quotas && { quotas: options.quotas }),
    timeouts: { ...timeoutsFromEnv({}), ...options.timeouts },
    ...(options.trustProxy !== undefined && { trustProxy: options.trustProxy }),
  };
  const runtime = await startRuntime(config, {
    log: options.log ?? createLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    services: buildServices,
  });
  let stopped: Promise<void> | undefined;
  const stopRuntime = () => {
    stopped ??= runtime.stop();
    return stopped;
  };
  const t: TestRuntime = {
    runtime,
    dir,
    db,
    redis,
    config,
    stopRuntime,
    async stop() {
      await stopRuntime();
      await redis.cleanup();
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return t;
}
