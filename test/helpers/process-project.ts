// A copy of a fixture project for tests that run the built `chatia-flow` command: its own
// database (migrated) and Redis prefix, a QueueRuntime on the copy's jobs.yaml to enqueue and
// inspect jobs from the test, and the environment the command runs with.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { migrateUp } from "../../runtime/adapters/db";
import { compile } from "../../runtime/compile";
import { loadManifest } from "../../runtime/manifest";
import { QueueRuntime } from "../../runtime/queues/queue-runtime";
import { createTestDatabase, type TestDatabase } from "./database";
import { createTestRedis, type TestRedis } from "./redis";

export interface ProcessProject {
  /** The copy of the fixture. */
  readonly dir: string;
  readonly db: TestDatabase;
  readonly redis: TestRedis;
  readonly queues: QueueRuntime;
  /** The command's environment; the admin password is `<name>-test-password`. */
  readonly env: NodeJS.ProcessEnv;
  /** Closes the queues, removes the Redis keys, the database and the copy. */
  cleanup(): Promise<void>;
}

/** Copies `fixture` to a temporary folder named after `name` and sets up what the command needs. */
export async function processProject(fixture: string, name: string): Promise<ProcessProject> {
  const dir = await mkdtemp(path.join(tmpdir(), `chatia-${name}-`));
  let db: TestDatabase | undefined;
  let redis: TestRedis | undefined;
  let queues: QueueRuntime | undefined;
  const cleanup = async () => {
    await queues?.close();
    await redis?.cleanup();
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await cp(fixture, dir, { recursive: true });
    db = await createTestDatabase();
    await migrateUp(db.sequelize);
    redis = createTestRedis();
    const prefix = redis.prefix.slice(0, -1);
    const manifest = path.join(dir, "jobs.yaml");
    queues = await QueueRuntime.open(compile(await loadManifest(manifest)), {
      url: redis.url,
      prefix,
    });
    const env: NodeJS.ProcessEnv = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      CHATIA_MANIFEST: manifest,
      CHATIA_DATA_DIR: path.join(dir, ".node-red"),
      CHATIA_ADMIN_PASSWORD: `${name}-test-password`,
      NODE_RED_CREDENTIAL_SECRET: `${name}-test-credential-secret`,
      CHATIA_JWT_SECRET: "test-jwt-secret-0123456789abcdefghijklmnop",
    };
    return { dir, db, redis, queues, env, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
