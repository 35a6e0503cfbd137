// One measurement of bench/dispatch.ts, in a process of its own: N no-op jobs through raw Bull or
// through a `job in → job out` flow, at a given concurrency. Prints one JSON line.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Bull from "bull";
import { startNodeRed } from "../runtime/adapters/node-red/embedded";
import { NODES_DIRS } from "../runtime/app/config";
import { createLogger } from "../runtime/app/logger";
import { compile } from "../runtime/compile";
import { Dispatcher, type DispatchJob } from "../runtime/flow-bridge/dispatcher";
import { loadManifest } from "../runtime/manifest";
import { logJobFailure } from "../runtime/observability/job-log";
import { Metrics, measureJob } from "../runtime/observability/metrics";
import { QueueRuntime } from "../runtime/queues/queue-runtime";

const [mode = "raw", concurrencyArg = "10", jobsArg = "10000"] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const total = Number(jobsArg);
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `cf-bench-${process.pid}`;
const fixture = path.join(__dirname, "fixtures", "dispatch");

async function fill(queue: Bull.Queue): Promise<void> {
  for (let i = 0; i < total; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, total - i) }, (_, k) => ({
      name: "Noop",
      data: { i: i + k },
      opts: { removeOnComplete: true },
    }));
    await queue.addBulk(batch);
  }
}

function finished(queue: Bull.Queue): Promise<number> {
  return new Promise((resolve) => {
    let done = 0;
    const started = process.hrtime.bigint();
    queue.on("completed", () => {
      done += 1;
      if (done === total) resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
  });
}

async function raw(): Promise<number> {
  const queue = new Bull("BenchQueue", redisUrl, { prefix });
  await fill(queue);
  const elapsed = finished(queue);
  void queue.process("*", concurrency, async () => null);
  const ms = await elapsed;
  await queue.obliterate({ force: true });
  await queue.close();
  return ms;
}

let nodeRedStartMs: number | undefined;

async function flow(): Promise<number> {
  const manifest = await loadManifest(path.join(fixture, "jobs.yaml"));
  const compiled = compile(manifest);
  const plan = { ...compiled, queues: compiled.queues.map((q) => ({ ...q, concurrency })) };
  const queues = await QueueRuntime.open(plan, { url: redisUrl, prefix });
  const dispatcher = new Dispatcher();
  const userDir = await mkdtemp(path.join(tmpdir(), "chatia-bench-"));
  const red = await startNodeRed({
    server: null,
    editorPath: false,
    flowsDir: path.join(fixture, "flows"),
    userDir,
    nodesDirs: NODES_DIRS,
    context: { dispatcher, plan: () => plan, services: {} as never },
    credentialSecret: "bench-credential-secret",
    onUncaughtError: () => undefined,
    logLevel: "off",
  });
  nodeRedStartMs = red.startupMs;
  const queue = queues.queue("BenchQueue");
  await fill(queue);
  const elapsed = finished(queue);
  // As the runtime does: each job measured for the metrics, then dispatched to its flow, a
  // failure logged.
  const metrics = new Metrics(queues);
  const log = createLogger({ level: "silent" });
  queues.startProcessing((job, jobPlan) =>
    measureJob(metrics, job.attemptsMade, jobPlan, () =>
      dispatcher.dispatch(job as unknown as DispatchJob, {
        queue: jobPlan.queue,
        timeoutMs: jobPlan.timeoutMs,
      }),
    ).catch((err: unknown) => {
      logJobFailure(log, job, jobPlan, err);
      throw err;
    }),
  );
  const ms = await elapsed;
  await queue.obliterate({ force: true });
  await queues.close();
  await red.stop();
  await rm(userDir, { recursive: true, force: true });
  return ms;
}

async function main(): Promise<void> {
  const ms = mode === "raw" ? await raw() : await flow();
  const rssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `${JSON.stringify({ mode, concurrency, jobs: total, ms, rssMb, nodeRedStartMs })}\n`,
  );
  process.exit(0);
}

void main();
