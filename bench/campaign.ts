// Campaign throughput: a campaign of CONTACTS contacts (default 100,000) with zero pacing, from
// VerifyCampaignsDaatabase to FINALIZADA through the real flows, Postgres, Redis and the
// simulated WhatsApp driver (each contact: its row of a 1,000-shipping INSERT of ProcessCampaign,
// its share of the connection sender's reads, its ledger claim, its send, its `sent` + settle
// statement). Baseline in the same run: raw Bull no-op jobs at the same concurrency
// (bench/dispatch-run.ts, raw mode, which loads the runtime from dist/), two per contact — what
// one Bull job per step per contact would cost before any work. Each run is a fresh process;
// medians of RUNS runs (default 3).
//   npm run bench:campaign            (CONTACTS=100000 RUNS=3 CONCURRENCY=10 to change)
import { execFileSync } from "node:child_process";
import path from "node:path";

interface CampaignRun {
  contacts: number;
  ms: number;
  rssMb: number;
  delivered: number;
  sent: number;
}

const contacts = Number(process.env.CONTACTS ?? 100_000);
const runs = Number(process.env.RUNS ?? 3);
const concurrency = Number(process.env.CONCURRENCY ?? 10);
/** Raw Bull jobs per baseline run (two per contact, at most 20,000: its rate does not grow with N). */
const rawJobs = Math.min(2 * contacts, 20_000);

function run<T>(script: string, args: string[]): T {
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", path.join(__dirname, script), ...args],
    {
      encoding: "utf8",
      env: { ...process.env, NODE_RED_LOG_LEVEL: "off" },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return JSON.parse(out.trim().split("\n").pop() ?? "{}") as T;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const campaign: CampaignRun[] = [];
/** bench/dispatch-run.ts raw mode's line: the timed stretch is under `raw`. */
const raw: { raw: { jobs: number; ms: number } }[] = [];
// Interleaved, so that a noisy moment on a shared machine hits both sides alike.
for (let i = 0; i < runs; i++) {
  raw.push(run("dispatch-run.ts", ["raw", String(concurrency), String(rawJobs)]));
  const r = run<CampaignRun>("campaign-run.ts", [String(contacts), String(concurrency)]);
  if (r.delivered !== contacts || r.sent !== contacts) {
    throw new Error(`run ${i + 1}: ${r.delivered} delivered and ${r.sent} sent of ${contacts}`);
  }
  campaign.push(r);
}
const ms = median(campaign.map((r) => r.ms));
const usPerContact = (ms * 1000) / contacts;
// Per job of each run's own timed stretch (it may count a few jobs past the target).
const rawUsPerJob = median(raw.map((r) => (r.raw.ms * 1000) / r.raw.jobs));
if (!Number.isFinite(rawUsPerJob) || rawUsPerJob <= 0) {
  throw new Error(`the raw Bull baseline did not parse: ${JSON.stringify(raw)}`);
}
console.log(
  `campaign: ${contacts} contacts, zero pacing, concurrency ${concurrency}, median of ${runs} runs, node ${process.version}`,
);
console.log("| path | contacts/s | µs per contact | peak RSS MB |");
console.log("|---|---|---|---|");
console.log(
  `| campaign end to end (expanded, sent, recorded, finalized) | ${Math.round((contacts / ms) * 1000)} | ${usPerContact.toFixed(0)} | ${median(campaign.map((r) => r.rssMb)).toFixed(0)} |`,
);
console.log(
  `| raw Bull no-op, 2 jobs per contact | ${Math.round(1e6 / (2 * rawUsPerJob))} | ${(2 * rawUsPerJob).toFixed(0)} | |`,
);
console.log(
  `| **campaign/raw time per contact** | **${(usPerContact / (2 * rawUsPerJob)).toFixed(1)}×** | | |`,
);
