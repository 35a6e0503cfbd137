// What a storm of logins costs the event loop of the process that answers them. A real runtime
// (the repository's jobs.yaml, api role, behind one trusted proxy so each login comes from an
// address of its own) takes N right logins at once; meanwhile the event loop's delay is sampled
// (monitorEventLoopDelay: the runtime runs in this process): the 90th percentile is how long a
// turn of the loop — any other request — waits behind the work of the flood.
// Baseline, in the same run: N requests at once to the same route with a body it refuses before
// any password check (400), so the figure left is what the password checks add.
//   npx tsx bench/login-flood.ts    (N=300 RUNS=3)
import http from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { repoFixture } from "../test/helpers/repo-fixture";
import { startTestRuntime } from "../test/helpers/runtime";
import { insertCompanyUsers } from "../test/helpers/users";

const N = Number(process.env.N ?? 300);
const RUNS = Number(process.env.RUNS ?? 3);
const PASSWORD = "bench-password-123";

function post(url: string, from: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/api/auth/login`,
      {
        method: "POST",
        agent: false,
        headers: { "x-forwarded-for": from, "content-type": "application/json" },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};
const median = (values: number[]) => quantile(values, 0.5);

interface Flood {
  loopP90: number;
  loopP99: number;
  statuses: Record<number, number>;
}

async function flood(url: string, run: number, body: (i: number) => string): Promise<Flood> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const statuses: Record<number, number> = {};
  const answers = await Promise.all(
    Array.from({ length: N }, (_, i) => post(url, `10.${run}.${i >> 8}.${i & 255}`, body(i))),
  );
  delay.disable();
  for (const status of answers) statuses[status] = (statuses[status] ?? 0) + 1;
  return {
    loopP90: delay.percentile(90) / 1e6,
    loopP99: delay.percentile(99) / 1e6,
    statuses,
  };
}

async function main(): Promise<void> {
  const t = await startTestRuntime(await repoFixture(), { role: "api", trustProxy: 1 });
  try {
    const url = t.runtime.url ?? "";
    await insertCompanyUsers(t.db.sequelize, "Acme", PASSWORD, [
      { name: "Ada", email: "ada@acme.test" },
    ]);
    const logins = JSON.stringify({ email: "ada@acme.test", password: PASSWORD });
    const baseline: Flood[] = [];
    const storm: Flood[] = [];
    for (let run = 0; run < RUNS; run++) {
      baseline.push(await flood(url, 2 * run, () => JSON.stringify({ email: "not an email" })));
      storm.push(await flood(url, 2 * run + 1, () => logins));
      const last = storm[storm.length - 1];
      console.log(
        `run ${run + 1}: logins ${JSON.stringify(last?.statuses)}, loop delay p90 ${last?.loopP90.toFixed(1)} ms p99 ${last?.loopP99.toFixed(1)} ms (baseline ${baseline[run]?.loopP90.toFixed(1)} / ${baseline[run]?.loopP99.toFixed(1)} ms)`,
      );
    }
    const loop = median(storm.map((f) => f.loopP90));
    const loop0 = median(baseline.map((f) => f.loopP90));
    const p99 = median(storm.map((f) => f.loopP99));
    const p99b = median(baseline.map((f) => f.loopP99));
    console.log(
      `${N} logins at once, medians of ${RUNS}: event loop delay p90 ${loop.toFixed(1)} ms (baseline ${loop0.toFixed(1)} ms, ${(loop / loop0).toFixed(2)}×), p99 ${p99.toFixed(1)} ms (baseline ${p99b.toFixed(1)} ms)`,
    );
  } finally {
    await t.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
