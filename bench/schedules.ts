// Schedule punctuality: COUNT scheduled messages (default 500) due at random times over SECONDS
// (default 180) from the next minute on, sent by two worker processes running the real
// verify-schedules and send-scheduled-message flows (Verify at second :00 of every minute, as in
// jobs.yaml) through the simulated WhatsApp driver. Prints how late each message left after its
// sendAt (p50, p99, max), against the floor measured in the same run — bare Bull delayed jobs
// due at the same instants, no flow, no database — and what the original's rule would have done
// with the same schedules ([now, now + 30 s] at second :00, sent 40 s after the run).
//   npm run bench:schedules                      (about 4 minutes)
//   BENCH_SCHEDULES_SECONDS=60 npm run bench:schedules
import { rm } from "node:fs/promises";
import path from "node:path";
import {
  addJob,
  BullConnections,
  type BullQueue,
  openQueue,
  processAll,
} from "../runtime/adapters/bull/bull-queue-adapter";
import { initModels, migrateUp } from "../runtime/adapters/db";
import { SimulatedWhatsApp } from "../runtime/adapters/whatsapp";
import { BULL_SETTINGS_DEFAULTS } from "../runtime/compile";
import { createTestDatabase } from "../test/helpers/database";
import { startProcess } from "../test/helpers/process";
import { createTestRedis } from "../test/helpers/redis";
import {
  createSchedules,
  quantile,
  scheduleProjectDir,
  scheduleWorld,
} from "../test/helpers/schedule-cluster";

const COUNT = Number(process.env.BENCH_SCHEDULES_COUNT ?? 500);
const SECONDS = Number(process.env.BENCH_SCHEDULES_SECONDS ?? 180);

interface Figures {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function figures(lateness: number[]): Figures {
  const sorted = [...lateness].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: quantile(sorted, 1) };
}

/** Bare Bull: one delayed no-op job per instant; lateness = when its handler starts - instant. */
async function bullFloor(
  connections: BullConnections,
  sendAts: readonly Date[],
): Promise<{ queue: BullQueue; done: Promise<number[]> }> {
  const queue = openQueue(
    { name: "BenchDelayedFloor", concurrency: 1, settings: BULL_SETTINGS_DEFAULTS, jobs: [] },
    connections,
  );
  const lateness: number[] = [];
  let finish: (values: number[]) => void = () => undefined;
  const done = new Promise<number[]>((resolve) => {
    finish = resolve;
  });
  processAll(queue, 1, async (job) => {
    lateness.push(Date.now() - (job.data as { at: number }).at);
    if (lateness.length === sendAts.length) finish(lateness);
  });
  for (const at of sendAts) {
    await addJob(
      queue,
      "floor",
      { at: at.getTime() },
      {
        delay: Math.max(0, at.getTime() - Date.now()),
        removeOnComplete: true,
      },
    );
  }
  return { queue, done };
}

/** The original's outcome for the same schedules: late by 40 s − second, or never (second > 30). */
function originalRule(sendAts: readonly Date[]): { lateness: number[]; never: number } {
  const lateness: number[] = [];
  let never = 0;
  for (const at of sendAts) {
    const second = (at.getTime() % 60_000) / 1000;
    if (second > 30) never += 1;
    else lateness.push((40 - second) * 1000);
  }
  return { lateness, never };
}

async function main(): Promise<void> {
  const dir = await scheduleProjectDir();
  const db = await createTestDatabase();
  const redis = createTestRedis();
  await migrateUp(db.sequelize);
  const prefix = redis.prefix.slice(0, -1);
  const workers = [1, 2].map((n) =>
    startProcess(["start", "--no-editor", "--port", "0"], {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      CHATIA_MANIFEST: path.join(dir, "jobs.yaml"),
      CHATIA_DATA_DIR: path.join(dir, `.nr-${n}`),
      NODE_RED_CREDENTIAL_SECRET: "bench-schedules-credential-secret",
      CHATIA_JWT_SECRET: "bench-jwt-secret-0123456789abcdefghijklmnop",
      LOG_LEVEL: "warn",
    }),
  );
  const connections = new BullConnections({ url: redis.url, prefix });
  let floorQueue: BullQueue | undefined;
  try {
    await Promise.all(workers.map((w) => w.waitFor(/chatia-flow all running/, 60_000)));
    const world = await scheduleWorld(db.sequelize);
    const start = Math.ceil((Date.now() + 5_000) / 60_000) * 60_000;
    const sendAts = Array.from(
      { length: COUNT },
      () => new Date(start + Math.floor(Math.random() * SECONDS * 1000)),
    ).sort((a, b) => a.getTime() - b.getTime());
    const schedules = await createSchedules(db.sequelize, world, sendAts);
    const floor = await bullFloor(connections, sendAts);
    floorQueue = floor.queue;
    console.log(
      `${COUNT} schedules from ${new Date(start).toISOString()} over ${SECONDS} s; 2 worker processes`,
    );

    const m = initModels(db.sequelize);
    const deadline = start + SECONDS * 1000 + 90_000;
    while ((await m.Schedule.count({ where: { status: "ENVIADA" } })) < COUNT) {
      if (Date.now() > deadline) throw new Error("not every schedule was sent in time");
      await new Promise((r) => setTimeout(r, 1000));
    }
    const wa = new SimulatedWhatsApp(redis.redis, { prefix: `${prefix}:chatia:` });
    const sends = await wa.sends({ connectionId: world.whatsappId });
    const byJid = new Map(sends.map((s) => [s.jid, s.startedAt]));
    const lateness = schedules.map(
      (s) => (byJid.get(`${s.number}@s.whatsapp.net`) ?? Number.NaN) - s.sendAt.getTime(),
    );
    const flows = figures(lateness);
    const bare = figures(await floor.done);
    const original = originalRule(sendAts);
    const orig = figures(original.lateness);
    console.log("| path | sent | p50 ms | p99 ms | max ms |");
    console.log("|---|---|---|---|---|");
    console.log(
      `| flows (Verify at :00, job delayed to sendAt) | ${sends.length}/${COUNT} | ${flows.p50} | ${flows.p99} | ${flows.max} |`,
    );
    console.log(
      `| bare Bull delayed job (floor) | ${COUNT}/${COUNT} | ${bare.p50} | ${bare.p99} | ${bare.max} |`,
    );
    console.log(
      `| original rule, same schedules | ${COUNT - original.never}/${COUNT} | ${orig.p50} | ${orig.p99} | ${orig.max} |`,
    );
    console.log(
      `p99 lateness: ${(flows.p99 / 1000).toFixed(3)} s (target <= 1.5 s); ${(flows.p99 - bare.p99).toFixed(0)} ms over the bare Bull floor; sends per schedule: ${(sends.length / COUNT).toFixed(3)}`,
    );
  } finally {
    await floorQueue?.close();
    await connections.close();
    for (const w of workers) w.child.kill("SIGTERM");
    await Promise.all(workers.map((w) => w.exited()));
    await redis.cleanup();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
