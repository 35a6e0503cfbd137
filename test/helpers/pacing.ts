// The pacing scenario shared by its test and its benchmark: connections that each allow one message
// per window, two worker processes, and the gaps the simulated WhatsApp saw per connection.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { migrateUp } from "../../runtime/adapters/db";
import { SimulatedWhatsApp } from "../../runtime/adapters/whatsapp";
import { compile } from "../../runtime/compile";
import { loadManifest } from "../../runtime/manifest";
import { QueueRuntime } from "../../runtime/queues/queue-runtime";
import { createTestDatabase } from "./database";
import { startProcess } from "./process";
import { createTestRedis } from "./redis";
import { testRows } from "./rows";

export interface PacingResult {
  readonly windowMs: number;
  readonly perConnection: {
    readonly connectionId: number;
    readonly sends: number;
    readonly minGapMs: number;
  }[];
  /** First send to last send, ms. */
  readonly spanMs: number;
  readonly totalSends: number;
  /** How many processes sent. */
  readonly workers: number;
}

const fixture = path.resolve(__dirname, "../fixtures/runtime/pacing");

/** Sends `perConnection` messages through each of `connections` connections with 2 workers. */
export async function runPacingScenario(options: {
  windowMs: number;
  connections: number;
  perConnection: number;
}): Promise<PacingResult> {
  const dir = await mkdtemp(path.join(tmpdir(), "chatia-pacing-"));
  await cp(fixture, dir, { recursive: true });
  const db = await createTestDatabase();
  const redis = createTestRedis();
  const prefix = redis.prefix.slice(0, -1);
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    PACE_MS: String(options.windowMs),
    CHATIA_MANIFEST: path.join(dir, "jobs.yaml"),
    CHATIA_MEDIA_DIR: path.join(dir, "public"),
    NODE_RED_CREDENTIAL_SECRET: "pacing-test-credential-secret",
  };
  const workers = [1, 2].map((n) =>
    startProcess(["start", "--role", "worker"], {
      ...env,
      CHATIA_DATA_DIR: path.join(dir, `.node-red-${n}`),
    }),
  );
  let queues: QueueRuntime | undefined;
  try {
    await migrateUp(db.sequelize);
    const rows = testRows(db.sequelize);
    const company = await rows.insert("Companies", { name: "Pacing" });
    const ids: number[] = [];
    for (let i = 0; i < options.connections; i++) {
      const connection = await rows.insert("Whatsapps", {
        name: `conn-${i}`,
        companyId: company.id,
        status: "CONNECTED",
      });
      ids.push(connection.id);
    }
    await Promise.all(workers.map((w) => w.waitFor(/chatia-flow worker running/, 60_000)));
    const plan = compile(
      await loadManifest(path.join(dir, "jobs.yaml"), {
        env: { PACE_MS: String(options.windowMs) },
      }),
    );
    queues = await QueueRuntime.open(plan, { url: redis.url, prefix });
    for (let n = 0; n < options.perConnection; n++) {
      for (const whatsappId of ids) {
        await queues.enqueue("MessageQueue", "SendMessage", {
          whatsappId,
          data: { number: `5511900000${String(n).padStart(3, "0")}`, body: `message ${n}` },
        });
      }
    }
    const driver = new SimulatedWhatsApp(redis.redis, { prefix: `${prefix}:chatia:` });
    const total = options.connections * options.perConnection;
    const deadline = Date.now() + options.windowMs * (options.perConnection + 5) + 30_000;
    let sends = await driver.sends();
    while (sends.length < total && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      sends = await driver.sends();
    }
    const starts = sends.map((s) => s.startedAt);
    return {
      windowMs: options.windowMs,
      totalSends: sends.length,
      workers: new Set(sends.map((s) => s.pid)).size,
      spanMs: Math.max(...starts) - Math.min(...starts),
      perConnection: ids.map((id) => {
        const mine = sends
          .filter((s) => s.connectionId === id)
          .sort((a, b) => a.startedAt - b.startedAt);
        const gaps = mine.slice(1).map((s, i) => s.startedAt - (mine[i]?.startedAt ?? 0));
        return { connectionId: id, sends: mine.length, minGapMs: Math.min(...gaps) };
      }),
    };
  } finally {
    for (const w of workers) w.child.kill("SIGTERM");
    await Promise.all(workers.map((w) => w.exited()));
    await queues?.close();
    await redis.cleanup();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}
