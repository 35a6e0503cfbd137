// Campaign memory: what a paced campaign of N contacts (60 s apart) costs once its list is
// expanded — Redis growth (bytes per pending contact), the worker's RSS during the expansion, and
// the size of its shippings in Postgres. Redis is a private redis-server this benchmark starts
// (its own port and temporary folder, no persistence) so that nothing else moves used_memory.
// Each run is a fresh worker process and a fresh redis-server; medians of RUNS (default 3).
//   npm run bench:campaign-memory      (SIZES=100000,1000000 RUNS=3 to change)
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createRedis } from "../runtime/adapters/redis";

interface MemoryRun {
  contacts: number;
  expandMs: number;
  redisBefore: number;
  redisAfter: number;
  pending: number;
  shippings: number;
  pgBytes: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  jobs: Record<string, number>;
}

const sizes = (process.env.SIZES ?? "100000,1000000").split(",").map(Number);
const runs = Number(process.env.RUNS ?? 3);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** A private redis-server: own port, own folder, no persistence; stopped by `stop()`. */
async function privateRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), "chatia-bench-redis-"));
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
      "--bind",
      "127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  const url = `redis://127.0.0.1:${port}`;
  const probe = createRedis(url, { connectionName: "bench-probe" });
  for (let i = 0; ; i++) {
    try {
      await probe.ping();
      break;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  await probe.quit();
  return {
    url,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function measure(contacts: number): Promise<MemoryRun> {
  const redis = await privateRedis();
  try {
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", path.join(__dirname, "campaign-memory-run.ts"), String(contacts)],
      {
        encoding: "utf8",
        env: { ...process.env, REDIS_URL: redis.url, NODE_RED_LOG_LEVEL: "off", LOG_LEVEL: "warn" },
        maxBuffer: 16 * 1024 * 1024,
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    return JSON.parse(out.trim().split("\n").pop() ?? "{}") as MemoryRun;
  } finally {
    await redis.stop();
  }
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const contacts of sizes) {
    const results: MemoryRun[] = [];
    for (let r = 0; r < runs; r++) {
      const m = await measure(contacts);
      if (m.shippings !== contacts) throw new Error(`${m.shippings} shippings of ${contacts}`);
      console.error(`${contacts}: run ${r + 1}: ${JSON.stringify(m)}`);
      results.push(m);
    }
    const growth = median(results.map((m) => m.redisAfter - m.redisBefore));
    const pending = median(results.map((m) => m.pending));
    const pg = median(results.map((m) => m.pgBytes));
    rows.push(
      `| ${contacts.toLocaleString("en")} | ${pending.toLocaleString("en")} | ${(growth / 1024).toFixed(1)} KB | ${(growth / pending).toFixed(3)} | ${median(results.map((m) => m.rssBeforeMb)).toFixed(0)} | ${median(results.map((m) => m.rssPeakMb)).toFixed(0)} | ${(pg / 1024 / 1024).toFixed(0)} MB (${(pg / contacts).toFixed(0)} B) | ${(median(results.map((m) => m.expandMs)) / 1000).toFixed(1)} |`,
    );
  }
  console.log(
    `campaign memory: paced campaigns (messageInterval 60 s), private redis-server, median of ${runs} runs, node ${process.version}`,
  );
  console.log(
    "| contacts | pending after expansion | Redis growth | Redis bytes per pending contact | worker RSS idle MB | worker RSS peak MB (expansion) | Postgres: CampaignShipping with indexes (per contact) | expansion s |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const row of rows) console.log(row);
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
