// Schedule punctuality: BENCH_SCHEDULES_COUNT scheduled messages (default 500) due at random
// times over BENCH_SCHEDULES_SECONDS (default 180) from the next minute on, BENCH_SCHEDULES_RUNS
// times (default 3, one after the other), sent by two worker processes running the real
// verify-schedules and send-scheduled-message flows (Verify at second :00 of every minute, as in
// jobs.yaml) through the simulated WhatsApp driver. Prints how late each message left after its
// sendAt (p50, p99, max), against the floor measured in the same run — bare Bull delayed jobs
// due at the same instants, no flow, no database — and what the original's rule would have done
// with the same schedules ([now, now + 30 s] at second :00, sent 40 s after the run).
//   npm run bench:schedules                      (about 12 minutes)
//   BENCH_SCHEDULES_SECONDS=60 BENCH_SCHEDULES_RUNS=1 npm run bench:schedules
import { rm } from "node:fs/promises";
import path from "node:path";
import {
  addJob,
  BullConnections,
  type BullQueue,
  openQueue,
  processAll,
} from "../runtime/adapters/bull/bull-queue-adapter";
import { migrateUp } from "../runtime/adapters/db";
import { SimulatedWhatsApp } from "../runtime/adapters/whatsapp";
import { BULL_SETTINGS_DEFAULTS } from "../runtime/compile";
import { createTestDatabase } from "../test/helpers/database";
import { startProcess } from "../test/helpers/process";
import { createTestRedis } from "../test/helpers/redis";
import { testRows } from "../test/helpers/rows";
import {
  createSchedules,
  quantile,
  scheduleProjectDir,
  scheduleWorld,
} from "../test/helpers/schedule-cluster";

const COUNT = Number(process.env.BENCH_SCHEDULES_COUNT ?? 500);
const SECONDS = Number(process.env.BENCH_SCHEDULES_SECONDS ?? 180);
const RUNS = Number(process.env.BENCH_SCHEDULES_RUNS ?? 3);

interface Figures {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function figures(lateness: number[]): Figures {
  const sorted = [...lateness].sort((a, b) => a - b);
  const at = (q: number) => Math.round(quantile(sorted, q));
  return { p50: at(0.5), p99: at(0.99), max: at(1) };
}

/** Bare Bull: one delayed no-op job per instant; lateness = when its handler starts - instant. */
async function bullFloor(
  connections: BullConnections,
  sendAts: readonly Date[],
): Promise<{ queue: BullQueue; done: Promise<number[]> }> {
  const queue = openQueue(
    { name: "BenchDelayedFloor", settings: BULL_SETTINGS_DEFAULTS },
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

interface RunFigures {
  readonly sent: number;
  readonly flows: Figures;
  readonly bare: Figures;
  readonly original: Figures & { readonly sent: number };
}

/** One run: COUNT schedules from the next minute on, sent by the running workers. */
async function run(
  db: Awaited<ReturnType<typeof createTestDatabase>>,
  connections: BullConnections,
  wa: SimulatedWhatsApp,
  world: Awaited<ReturnType<typeof scheduleWorld>>,
): Promise<RunFigures> {
  const start = Math.ceil((Date.now() + 5_000) / 60_000) * 60_000;
  const sendAts = Array.from(
    { length: COUNT },
    () => new Date(start + Math.floor(Math.random() * SECONDS * 1000)),
  ).sort((a, b) => a.getTime() - b.getTime());
  const schedules = await createSchedules(db.sequelize, world, sendAts);
  const floor = await bullFloor(connections, sendAts);
  try {
    const ids = schedules.map((s) => s.id);
    const rows = testRows(db.sequelize);
    const deadline = start + SECONDS * 1000 + 90_000;
    while ((await rows.count("Schedules", { status: "ENVIADA", id: ids })) < COUNT) {
      if (Date.now() > deadline) throw new Error("not every schedule was sent in time");
      await new Promise((r) => setTimeout(r, 1000));
    }
    const jids = new Set(schedules.map((s) => `${s.number}@s.whatsapp.net`));
    const sends = (await wa.sends({ connectionId: world.whatsappId })).filter((x) =>
      jids.has(x.jid),
    );
    const byJid = new Map(sends.map((x) => [x.jid, x.startedAt]));
    const lateness = schedules.map(
      (x) => (byJid.get(`${x.number}@s.whatsapp.net`) ?? Number.NaN) - x.sendAt.getTime(),
    );
    const original = originalRule(sendAts);
    return {
      sent: sends.length,
      flows: figures(lateness),
      bare: figures(await floor.done),
      original: { ...figures(original.lateness), sent: COUNT - original.never },
    };
  } finally {
    await floor.queue.close();
  }
}

function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
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
  try {
    await Promise.all(workers.map((w) => w.waitFor(/chatia-flow all running/, 60_000)));
    const world = await scheduleWorld(db.sequelize);
    const wa = new SimulatedWhatsApp(redis.redis, { prefix: `${prefix}:chatia:` });
    console.log(
      `${COUNT} schedules due at random over ${SECONDS} s from a minute's start, ${RUNS} runs; 2 worker processes`,
    );
    console.log("| run | path | sent | p50 ms | p99 ms | max ms |");
    console.log("|---|---|---|---|---|---|");
    const runs: RunFigures[] = [];
    for (let i = 1; i <= RUNS; i++) {
      const r = await run(db, connections, wa, world);
      runs.push(r);
      const row = (label: string, sent: number, f: Figures) =>
        console.log(`| ${i} | ${label} | ${sent}/${COUNT} | ${f.p50} | ${f.p99} | ${f.max} |`);
      row("flows (Verify at :00, job delayed to sendAt)", r.sent, r.flows);
      row("bare Bull delayed job (floor)", COUNT, r.bare);
      row("original rule, same schedules", r.original.sent, r.original);
    }
    const med = (pick: (r: RunFigures) => number) => median(runs.map(pick));
    console.log(
      `| median | flows | ${med((r) => r.sent)}/${COUNT} | ${med((r) => r.flows.p50)} | ${med((r) => r.flows.p99)} | ${med((r) => r.flows.max)} |`,
    );
    console.log(
      `| median | bare Bull floor | ${COUNT}/${COUNT} | ${med((r) => r.bare.p50)} | ${med((r) => r.bare.p99)} | ${med((r) => r.bare.max)} |`,
    );
    const p99 = med((r) => r.flows.p99);
    console.log(
      `median p99 lateness: ${(p99 / 1000).toFixed(3)} s (target <= 1.5 s), ${(
        p99 /
          Math.max(
            1,
            med((r) => r.bare.p99),
          )
      ).toFixed(
        1,
      )}× the bare Bull floor's; sends per schedule: ${(med((r) => r.sent) / COUNT).toFixed(3)}`,
    );
  } finally {
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
