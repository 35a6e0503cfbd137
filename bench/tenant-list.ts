// What one page of a company's jobs costs with other companies' jobs in the queue: the former way
// (load every job of the state, data and all, then filter by data.companyId) against the owner
// tags (runtime/tenancy/owned-jobs.ts: the state's ids and their tags, then the page's jobs only).
// Real Postgres and Redis: MessageQueue/SendMessage jobs added raw (no companyId), as ChatIA's
// backend adds them, FOREIGN of them another company's, each with a BODY_BYTES message. Per page:
// the time, the bytes the process read from Redis for it (what it pulls into memory), and the
// job data among them. FOREIGN=0 is the baseline: the company alone in the queue.
//   npx tsx bench/tenant-list.ts    (FOREIGN=200 OWN=20 BODY_BYTES=50000 RUNS=20)
import { migrateUp } from "../runtime/adapters/db/migrator";
import { SequelizeOwnerStore } from "../runtime/adapters/db/repositories/owner-store";
import { compile } from "../runtime/compile";
import { loadManifest } from "../runtime/manifest";
import { QueueRuntime } from "../runtime/queues/queue-runtime";
import { OwnedJobs } from "../runtime/tenancy/owned-jobs";
import { Ownership } from "../runtime/tenancy/ownership";
import { createTestDatabase } from "../test/helpers/database";
import { createTestRedis } from "../test/helpers/redis";
import { testRows } from "../test/helpers/rows";

const FOREIGN = Number(process.env.FOREIGN ?? 200);
const OWN = Number(process.env.OWN ?? 20);
const BODY_BYTES = Number(process.env.BODY_BYTES ?? 50_000);
const RUNS = Number(process.env.RUNS ?? 20);
const PAGE = 20;

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const redis = createTestRedis();
  // The database and the Redis keys go whatever happens (a bench that failed left them).
  try {
    await migrateUp(db.sequelize);
    const rows = testRows(db.sequelize);
    const [mine, theirs] = await Promise.all(
      ["A", "B"].map(async (name) => {
        const companyId = (await rows.insert("Companies", { name })).id;
        const whatsappId = (
          await rows.insert("Whatsapps", { name, companyId, status: "CONNECTED" })
        ).id;
        return { companyId, whatsappId };
      }),
    );
    if (!mine || !theirs) throw new Error("no companies");
    const plan = compile(await loadManifest("jobs.yaml"));
    const queues = await QueueRuntime.open(plan, {
      url: redis.url,
      prefix: redis.prefix.slice(0, -1),
    });
    const jobQueue = queues.queue("MessageQueue");
    const queue = jobQueue.bull;
    // Every read of a listing goes through Bull's client: the ids, the tags, the jobs.
    const bytesRead = () =>
      (queue.client as unknown as { stream?: { bytesRead: number } }).stream?.bytesRead ??
      Number.NaN;
    const body = "x".repeat(BODY_BYTES);
    const add = (whatsappId: number) =>
      queue.add(
        "SendMessage",
        { whatsappId, data: { number: "5511900000001", body } },
        { delay: 3_600_000 },
      );
    for (let i = 0; i < FOREIGN; i++) await add(theirs.whatsappId);
    for (let i = 0; i < OWN; i++) await add(mine.whatsappId);

    const owned = new OwnedJobs(
      new Ownership({ store: new SequelizeOwnerStore(db.sequelize), mediaDir: "." }),
    );
    const caller = { super: false, companyId: mine.companyId };
    const former = async () => {
      // The former route: up to 10,000 jobs of the state loaded, then filtered by data.companyId
      // (here by the connection's company, which is what it had to mean).
      const all = (await queue.getJobs(["delayed"], 0, 9_999, false)).filter((j) => j !== null);
      const visible = all.filter((j) => j.data.whatsappId === mine.whatsappId);
      return { loaded: all, page: visible.slice(0, PAGE) };
    };
    const tagged = async () => {
      const { jobs } = await owned.page(caller, jobQueue, ["delayed"], 0, PAGE - 1);
      return { loaded: jobs, page: jobs };
    };
    await tagged(); // first sight: resolves the owners (one query per kind of row) and tags them

    const measure = async (
      name: string,
      run: () => Promise<{ loaded: readonly { data: unknown }[]; page: readonly unknown[] }>,
    ) => {
      const times: number[] = [];
      const reads: number[] = [];
      let bytes = 0;
      for (let i = 0; i < RUNS; i++) {
        const readBefore = bytesRead();
        const start = process.hrtime.bigint();
        const { loaded, page } = await run();
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
        reads.push(bytesRead() - readBefore);
        bytes = loaded.reduce((n, j) => n + JSON.stringify(j.data).length, 0);
        if (page.length !== Math.min(PAGE, OWN)) throw new Error(`${name}: ${page.length} jobs`);
      }
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
      return { name, medianMs: median(times), readMB: median(reads) / 1e6, jobDataMB: bytes / 1e6 };
    };
    const results = [];
    for (let round = 0; round < 2; round++) {
      results.push(await measure("former: load the state, filter", former));
      results.push(await measure("owner tags: ids, tags, the page", tagged));
    }
    console.log(
      `${FOREIGN} foreign and ${OWN} own jobs of ${BODY_BYTES} bytes, page of ${PAGE}, median of ${RUNS}:`,
    );
    console.log("| path | ms per page | read from Redis, MB | job data loaded, MB |");
    console.log("|---|---|---|---|");
    for (const r of results.slice(2))
      console.log(
        `| ${r.name} | ${r.medianMs.toFixed(1)} | ${r.readMB.toFixed(2)} | ${r.jobDataMB.toFixed(2)} |`,
      );
    await queues.close({ waitForJobs: false });
  } finally {
    await redis.cleanup();
    await db.drop();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
