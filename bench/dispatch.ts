// Dispatch overhead: the same no-op jobs through raw Bull and through a `job in → job out` flow,
// at concurrency 1 and 10. Each run is a fresh process; medians of RUNS runs (default 3).
//   npm run bench:dispatch            (JOBS=10000 RUNS=3 by default)
import { execFileSync } from "node:child_process";
import path from "node:path";

interface Run {
  mode: "raw" | "flow";
  concurrency: number;
  jobs: number;
  ms: number;
  rssMb: number;
  /** Flow runs only: RED.start() to flows running. */
  nodeRedStartMs?: number;
}

const jobs = Number(process.env.JOBS ?? 10_000);
const runs = Number(process.env.RUNS ?? 3);
const runner = path.join(__dirname, "dispatch-run.ts");

function measure(mode: Run["mode"], concurrency: number): Run {
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", runner, mode, String(concurrency), String(jobs)],
    {
      encoding: "utf8",
      env: { ...process.env, NODE_RED_LOG_LEVEL: "off" },
    },
  );
  return JSON.parse(out.trim().split("\n").pop() ?? "{}") as Run;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const rows: string[] = [];
const startups: number[] = [];
for (const concurrency of [1, 10]) {
  const raw: Run[] = [];
  const flow: Run[] = [];
  // Interleaved, so that a noisy moment on a shared machine hits both sides alike.
  for (let i = 0; i < runs; i++) {
    raw.push(measure("raw", concurrency));
    flow.push(measure("flow", concurrency));
  }
  startups.push(...flow.map((r) => r.nodeRedStartMs ?? 0));
  const rawMs = median(raw.map((r) => r.ms));
  const flowMs = median(flow.map((r) => r.ms));
  for (const [label, ms, list] of [
    ["raw Bull", rawMs, raw],
    ["job in → job out", flowMs, flow],
  ] as const) {
    rows.push(
      `| ${concurrency} | ${label} | ${Math.round((jobs / ms) * 1000)} | ${((ms * 1000) / jobs).toFixed(1)} | ${median(list.map((r) => r.rssMb)).toFixed(0)} |`,
    );
  }
  rows.push(`| ${concurrency} | **flow/raw time** | **${(flowMs / rawMs).toFixed(2)}×** | | |`);
}
console.log(`dispatch: ${jobs} no-op jobs, median of ${runs} runs each, node ${process.version}`);
console.log("| concurrency | path | jobs/s | µs per job | peak RSS MB |");
console.log("|---|---|---|---|---|");
for (const row of rows) console.log(row);
console.log(`Node-RED start to flows running: median ${median(startups).toFixed(0)} ms`);
