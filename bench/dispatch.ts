// Dispatch overhead: the same no-op jobs through raw Bull and through a `job in → job out` flow,
// at concurrency 1 and 10, each path warmed up first (bench/dispatch-run.ts says how).
//
//   npm run bench:dispatch        (JOBS=10000 RUNS=5 WARMUP=5000 BLOCK=1000 by default;
//                                  CONTROL=1 adds the paired design's raw-vs-raw control)
//
// Two measurements, each run RUNS times in fresh processes, medians reported:
//   paired    — both paths in one process, in alternating blocks; the overhead is the median of
//               the flow/raw time ratios of adjacent blocks. This is the figure to compare with
//               the target: these shared machines have slow spells lasting seconds that otherwise
//               hit one path's process and not the other's.
//   separate  — one process per path, for peak memory (Node-RED's share) and as a cross-check.
import { execFileSync } from "node:child_process";
import path from "node:path";

interface Timing {
  jobs: number;
  ms: number;
  cpuUs: number;
}

interface Run {
  mode: "raw" | "flow" | "paired" | "control";
  raw?: Timing;
  flow?: Timing;
  ratios?: number[];
  rssMb: number;
  /** RED.start() to flows running. */
  nodeRedStartMs?: number;
}

const jobs = Number(process.env.JOBS ?? 10_000);
const runs = Number(process.env.RUNS ?? 5);
const control = process.env.CONTROL === "1";
const runner = path.join(__dirname, "dispatch-run.ts");

function measure(mode: Run["mode"], concurrency: number): Run {
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", runner, mode, String(concurrency), String(jobs)],
    { encoding: "utf8", env: { ...process.env, NODE_RED_LOG_LEVEL: "off" } },
  );
  return JSON.parse(out.trim().split("\n").pop() ?? "{}") as Run;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** µs per job of a timing. */
const perJob = (t: Timing | undefined): number => (t ? (t.ms * 1000) / t.jobs : Number.NaN);

const fmt = {
  rate: (us: number) => Math.round(1e6 / us).toLocaleString("en-US"),
  us: (us: number) => us.toFixed(1),
  ratio: (r: number) => `${r.toFixed(2)}×`,
};

const paired: string[] = [];
const separate: string[] = [];
const controls: string[] = [];
const startups: number[] = [];
for (const concurrency of [1, 10]) {
  const pairs: Run[] = [];
  const raw: Run[] = [];
  const flow: Run[] = [];
  const twins: Run[] = [];
  // Interleaved, so that a noisy stretch of the machine hits every kind of run alike.
  for (let i = 0; i < runs; i++) {
    pairs.push(measure("paired", concurrency));
    raw.push(measure("raw", concurrency));
    flow.push(measure("flow", concurrency));
    if (control) twins.push(measure("control", concurrency));
  }
  startups.push(...[...pairs, ...flow].map((r) => r.nodeRedStartMs ?? 0));

  const rawUs = median(pairs.map((r) => perJob(r.raw)));
  const flowUs = median(pairs.map((r) => perJob(r.flow)));
  const blockRatio = median(pairs.map((r) => median(r.ratios ?? [])));
  const totalRatio = median(pairs.map((r) => perJob(r.flow) / perJob(r.raw)));
  paired.push(
    `| ${concurrency} | raw Bull | ${fmt.rate(rawUs)} | ${fmt.us(rawUs)} |`,
    `| ${concurrency} | job in → job out | ${fmt.rate(flowUs)} | ${fmt.us(flowUs)} |`,
    `| ${concurrency} | **flow/raw time** | **${fmt.ratio(blockRatio)}** | totals ${fmt.ratio(totalRatio)}; runs ${pairs.map((r) => fmt.ratio(median(r.ratios ?? []))).join(" ")} |`,
  );

  const aloneRawUs = median(raw.map((r) => perJob(r.raw)));
  const aloneFlowUs = median(flow.map((r) => perJob(r.flow)));
  separate.push(
    `| ${concurrency} | raw Bull | ${fmt.rate(aloneRawUs)} | ${fmt.us(aloneRawUs)} | ${median(raw.map((r) => r.rssMb)).toFixed(0)} |`,
    `| ${concurrency} | job in → job out | ${fmt.rate(aloneFlowUs)} | ${fmt.us(aloneFlowUs)} | ${median(flow.map((r) => r.rssMb)).toFixed(0)} |`,
    `| ${concurrency} | flow/raw time | ${fmt.ratio(aloneFlowUs / aloneRawUs)} | | |`,
  );
  if (control) {
    controls.push(
      `| ${concurrency} | ${fmt.ratio(median(twins.map((r) => median(r.ratios ?? []))))} | ${fmt.ratio(median(twins.map((r) => perJob(r.flow) / perJob(r.raw))))} |`,
    );
  }
}

console.log(
  `dispatch: ${jobs} no-op jobs per path after ${process.env.WARMUP ?? 5000} untimed, median of ${runs} runs, node ${process.version}`,
);
console.log(
  `\nPaired: both paths in one process, alternating blocks of ${process.env.BLOCK ?? 1000} jobs; overhead = median of adjacent blocks' time ratios`,
);
console.log("| concurrency | path | jobs/s | µs per job |");
console.log("|---|---|---|---|");
for (const row of paired) console.log(row);
console.log("\nSeparate processes, one path each:");
console.log("| concurrency | path | jobs/s | µs per job | peak RSS MB |");
console.log("|---|---|---|---|---|");
for (const row of separate) console.log(row);
if (control) {
  console.log("\nControl: the paired design with raw Bull on both sides (no overhead to find):");
  console.log("| concurrency | block ratio | totals ratio |");
  console.log("|---|---|---|");
  for (const row of controls) console.log(row);
}
console.log(`\nNode-RED start to flows running: median ${median(startups).toFixed(0)} ms`);
