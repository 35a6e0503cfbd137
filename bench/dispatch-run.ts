// One measurement of bench/dispatch.ts, in a process of its own, at a given concurrency. Prints
// one JSON line.
//
//   raw    — N no-op jobs through a raw Bull processor;
//   flow   — N no-op jobs through a `job in → job out` flow, handled as the runtime handles them;
//   paired — both in this one process, in alternating blocks of BLOCK jobs (default 1,000): raw,
//            flow, raw, flow, … Each flow block is compared with the raw block just before it, so
//            that a slow spell of the machine (they last seconds on these shared machines) hits
//            both sides of a comparison alike;
//   control — the paired design with raw Bull on both sides, to see what it reports when there is
//            no overhead at all.
//
// Each path first runs WARMUP jobs (default 5,000) that are not timed: the first few thousand
// jobs of a fresh process run while V8 is still compiling the hot code, and a runtime runs for
// days. The runtime's code is loaded from dist/, as `chatia-flow start` runs it (`npm run build`).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Bull from "bull";
import type { ChatiaNodeContext } from "../runtime/flow-bridge/node-context";

type Runtime = {
  embedded: typeof import("../runtime/adapters/node-red/embedded");
  config: typeof import("../runtime/app/config");
  jobHandler: typeof import("../runtime/flow-bridge/job-handler");
  jobTraces: typeof import("../runtime/flow-bridge/job-traces");
  logger: typeof import("../runtime/observability/logger");
  compile: typeof import("../runtime/compile");
  manifest: typeof import("../runtime/manifest");
  metrics: typeof import("../runtime/observability/metrics");
  queues: typeof import("../runtime/queues/queue-runtime");
  nodeContext: typeof import("../runtime/flow-bridge/node-context");
};

const dist = path.join(__dirname, "..", "dist", "runtime");
const runtime: Runtime = {
  embedded: require(path.join(dist, "adapters/node-red/embedded")),
  config: require(path.join(dist, "app/config")),
  jobHandler: require(path.join(dist, "flow-bridge/job-handler")),
  jobTraces: require(path.join(dist, "flow-bridge/job-traces")),
  logger: require(path.join(dist, "observability/logger")),
  compile: require(path.join(dist, "compile")),
  manifest: require(path.join(dist, "manifest")),
  metrics: require(path.join(dist, "observability/metrics")),
  queues: require(path.join(dist, "queues/queue-runtime")),
  nodeContext: require(path.join(dist, "flow-bridge/node-context")),
};

const [mode = "paired", concurrencyArg = "10", jobsArg = "10000"] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const total = Number(jobsArg);
const warmup = Number(process.env.WARMUP ?? 5000);
const block = Number(process.env.BLOCK ?? 1000);
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `cf-bench-${process.pid}`;
const fixture = path.join(__dirname, "fixtures", "dispatch");

/** A queue being measured, and how many of its jobs have completed so far. */
interface Side {
  readonly queue: Bull.Queue;
  completed: number;
  /** Called at each completion, while a block runs. */
  onCompleted?: () => void;
}

function side(queue: Bull.Queue): Side {
  const s: Side = { queue, completed: 0 };
  queue.on("completed", () => {
    s.completed += 1;
    s.onCompleted?.();
  });
  return s;
}

async function fill(queue: Bull.Queue, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, count - i) }, (_, k) => ({
      name: "Noop",
      data: { i: i + k },
      opts: { removeOnComplete: true },
    }));
    await queue.addBulk(batch);
  }
}

/** A timed stretch of one side's jobs. */
interface Timing {
  /** Jobs completed in it. */
  jobs: number;
  ms: number;
  /** CPU time of this process (all its threads) meanwhile, µs. */
  cpuUs: number;
}

/**
 * Lets a locally paused queue run until `target` of its jobs have completed in all, then pauses it
 * again. The jobs in flight at the pause finish untimed; they count towards the next stretch's
 * target, so each stretch is timed over the jobs it completed itself.
 */
function runUntil(s: Side, target: number): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const from = s.completed;
    if (from >= target) {
      resolve({ jobs: 0, ms: 0, cpuUs: 0 });
      return;
    }
    const started = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    s.onCompleted = () => {
      if (s.completed < target) return;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const cpu = process.cpuUsage(cpuStart);
      const timing = { jobs: s.completed - from, ms, cpuUs: cpu.user + cpu.system };
      s.onCompleted = undefined;
      s.queue.pause(true).then(() => resolve(timing), reject);
    };
    s.queue.resume(true).catch(reject);
  });
}

/** One side alone: the warm-up untimed, then every other job in one timed stretch. */
async function runAlone(s: Side): Promise<Timing> {
  await runUntil(s, warmup);
  return runUntil(s, warmup + total);
}

const sum = (timings: readonly Timing[]): Timing =>
  timings.reduce((a, t) => ({ jobs: a.jobs + t.jobs, ms: a.ms + t.ms, cpuUs: a.cpuUs + t.cpuUs }), {
    jobs: 0,
    ms: 0,
    cpuUs: 0,
  });

/**
 * Both sides in alternating blocks, raw first; returns each side's total and, for every flow
 * block, its time per job over that of the raw block just before it.
 */
async function runPaired(raw: Side, flow: Side) {
  for (let target = block; target < warmup + block; target += block) {
    await runUntil(raw, Math.min(target, warmup));
    await runUntil(flow, Math.min(target, warmup));
  }
  const timings: { raw: Timing[]; flow: Timing[] } = { raw: [], flow: [] };
  const ratios: number[] = [];
  for (let target = warmup + block; target < warmup + total + block; target += block) {
    const r = await runUntil(raw, Math.min(target, warmup + total));
    const f = await runUntil(flow, Math.min(target, warmup + total));
    timings.raw.push(r);
    timings.flow.push(f);
    if (r.jobs > 0 && f.jobs > 0) ratios.push(f.ms / f.jobs / (r.ms / r.jobs));
  }
  return { raw: sum(timings.raw), flow: sum(timings.flow), ratios };
}

/** The raw path: a Bull queue with a no-op processor, locally paused until measured. */
async function openRaw(name = "BenchRaw"): Promise<Side> {
  const queue = new Bull(name, redisUrl, { prefix });
  await queue.pause(true);
  const s = side(queue);
  void queue.process("*", concurrency, async () => null);
  return s;
}

/**
 * The flow path, as `chatia-flow start` sets it up: the plan's queue, Node-RED running the
 * `noop` flow, every job handed to the dispatcher by the runtime's job handler (metrics, failure
 * log).
 */
async function openFlow() {
  const { manifest, compile, queues: q, jobHandler: handler, embedded, config, logger } = runtime;
  const compiled = compile.compile(await manifest.loadManifest(path.join(fixture, "jobs.yaml")));
  const plan = { ...compiled, queues: compiled.queues.map((x) => ({ ...x, concurrency })) };
  const queues = await q.QueueRuntime.open(plan, { url: redisUrl, prefix });
  const dispatcher = handler.jobDispatcher({
    metrics: new runtime.metrics.Metrics(queues),
    log: logger.createLogger({ level: "silent" }),
  });
  const userDir = await mkdtemp(path.join(tmpdir(), "chatia-bench-"));
  const nodeContext: ChatiaNodeContext = { dispatcher, plan: () => plan, services: {} as never };
  const red = await embedded.startNodeRed({
    server: null,
    editorPath: false,
    flowsDir: path.join(fixture, "flows"),
    userDir,
    nodesDirs: config.NODES_DIRS,
    context: nodeContext,
    contextKey: runtime.nodeContext.SETTINGS_KEY,
    credentialSecret: "bench-credential-secret",
    onUncaughtError: () => false,
    logLevel: "off",
  });
  const queue = queues.queue("BenchQueue").bull;
  await queue.pause(true);
  const s = side(queue);
  // With the tracer, as a worker runs it: no job here is a test run, and no share is sampled
  // (CHATIA_TRACE_SAMPLE, when set, measures a sampled share's cost).
  const tracer = new runtime.jobTraces.JobTracer(red.red.hooks, {
    redis: queues.redis,
    prefix,
    sampleShare: Number(process.env.CHATIA_TRACE_SAMPLE ?? 0),
  });
  queues.startProcessing(handler.jobHandler(dispatcher, tracer));
  return {
    side: s,
    nodeRedStartMs: red.startupMs,
    async close() {
      await queue.obliterate({ force: true });
      await queues.close();
      await red.stop();
      await rm(userDir, { recursive: true, force: true });
    },
  };
}

async function closeRaw(s: Side): Promise<void> {
  await s.queue.obliterate({ force: true });
  await s.queue.close();
}

async function main(): Promise<void> {
  const jobs = warmup + total;
  let result: Record<string, unknown>;
  if (mode === "raw") {
    const raw = await openRaw();
    await fill(raw.queue, jobs);
    result = { raw: await runAlone(raw) };
    await closeRaw(raw);
  } else if (mode === "flow") {
    const flow = await openFlow();
    await fill(flow.side.queue, jobs);
    result = { flow: await runAlone(flow.side), nodeRedStartMs: flow.nodeRedStartMs };
    await flow.close();
  } else if (mode === "paired") {
    const raw = await openRaw();
    const flow = await openFlow();
    await fill(raw.queue, jobs);
    await fill(flow.side.queue, jobs);
    result = { ...(await runPaired(raw, flow.side)), nodeRedStartMs: flow.nodeRedStartMs };
    await closeRaw(raw);
    await flow.close();
  } else if (mode === "control") {
    // The paired design with raw Bull on both sides: what it reports when there is no overhead.
    const raw = await openRaw();
    const twin = await openRaw("BenchRawTwin");
    await fill(raw.queue, jobs);
    await fill(twin.queue, jobs);
    result = await runPaired(raw, twin);
    await closeRaw(raw);
    await closeRaw(twin);
  } else {
    throw new Error(`unknown mode ${mode}: raw, flow, paired or control`);
  }
  const rssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `${JSON.stringify({ mode, concurrency, jobs: total, warmup, block, ...result, rssMb })}\n`,
  );
  process.exit(0);
}

void main();
