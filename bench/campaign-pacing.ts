// Campaign pacing accuracy: CONTACTS contacts (default 30) at messageInterval INTERVAL seconds
// (default 2) through the real flows; prints every gap between two sends as the simulated
// WhatsApp driver saw them, and the largest deviation from the interval (each run in a fresh
// process). Medians of RUNS runs
// (default 1; each run takes CONTACTS × INTERVAL seconds). Then "cancel to last send": a campaign
// of 2,000 contacts without pacing (sends of 10 ms) is set CANCELADA while it sends, and the time
// from that update to the start of its last send is reported (median of CANCEL_RUNS, default 3).
//   npm run bench:campaign-pacing
import { execFileSync } from "node:child_process";
import { QueryTypes } from "sequelize";
import { SimulatedWhatsApp } from "../runtime/adapters/whatsapp";
import { campaignFixture, createCampaign, createCampaignWorld } from "../test/helpers/campaigns";
import { startTestRuntime } from "../test/helpers/runtime";

const contacts = Number(process.env.CONTACTS ?? 30);
const interval = Number(process.env.INTERVAL ?? 2);
const runs = Number(process.env.RUNS ?? 1);

async function once(): Promise<number[]> {
  const t = await startTestRuntime(await campaignFixture(10), { editor: false });
  try {
    const pacing = { messageInterval: interval, longerIntervalAfter: 0, greaterInterval: 0 };
    const world = await createCampaignWorld(t.db.sequelize, { contacts, pacing });
    const id = await createCampaign(t.db.sequelize, world, {
      scheduledAt: new Date(Date.now() + 1000),
    });
    await (
      await t.runtime.queues.enqueue("CampaignQueue", "VerifyCampaignsDaatabase", {})
    ).finished();
    for (;;) {
      const [row] = await t.db.sequelize.query<{ status: string }>(
        `SELECT status FROM "Campaigns" WHERE id = $1`,
        { bind: [id], type: QueryTypes.SELECT },
      );
      if (row?.status === "FINALIZADA") break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const wa = new SimulatedWhatsApp(t.redis.redis, { prefix: `${t.config.prefix}:chatia:` });
    const sends = (await wa.sends({ connectionId: world.whatsappId })).map((s) => s.startedAt);
    sends.sort((a, b) => a - b);
    return sends.slice(1).map((at, i) => at - (sends[i] ?? at));
  } finally {
    await t.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Milliseconds from setting the campaign CANCELADA to the start of its last send. */
async function cancelOnce(): Promise<number> {
  const t = await startTestRuntime(await campaignFixture(10), { editor: false });
  try {
    const world = await createCampaignWorld(t.db.sequelize, { contacts: 2000 });
    const wa = new SimulatedWhatsApp(t.redis.redis, { prefix: `${t.config.prefix}:chatia:` });
    await wa.setBehaviour(world.whatsappId, { latencyMs: 10 });
    const id = await createCampaign(t.db.sequelize, world);
    await (
      await t.runtime.queues.enqueue("CampaignQueue", "VerifyCampaignsDaatabase", {})
    ).finished();
    while ((await wa.sends({ connectionId: world.whatsappId })).length < 100) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await t.db.sequelize.query(`UPDATE "Campaigns" SET status = 'CANCELADA' WHERE id = $1`, {
      bind: [id],
    });
    const cancelledAt = Date.now();
    // Quiet for 3 s after the last send: nothing more is coming.
    let count = 0;
    let quietSince = Date.now();
    while (Date.now() - quietSince < 3000) {
      const n = (await wa.sends({ connectionId: world.whatsappId })).length;
      if (n !== count) [count, quietSince] = [n, Date.now()];
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const sends = await wa.sends({ connectionId: world.whatsappId });
    return Math.max(...sends.map((x) => x.startedAt)) - cancelledAt;
  } finally {
    await t.stop();
  }
}

/** One measurement in a fresh process (Node-RED embeds once per process): its JSON line. */
function child<T>(mode: "pacing" | "cancel"): T {
  const out = execFileSync(process.execPath, ["--import", "tsx", __filename, mode], {
    encoding: "utf8",
    env: { ...process.env, NODE_RED_LOG_LEVEL: "off" },
    maxBuffer: 16 * 1024 * 1024,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(out.trim().split("\n").pop() ?? "null") as T;
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode === "pacing" || mode === "cancel") {
    const value = mode === "pacing" ? await once() : await cancelOnce();
    process.stdout.write(`${JSON.stringify(value)}\n`);
    process.exit(0);
  }
  const worst: number[] = [];
  for (let r = 1; r <= runs; r++) {
    const gaps = child<number[]>("pacing");
    const deviations = gaps.map((g) => Math.abs(g - interval * 1000));
    worst.push(Math.max(...deviations));
    console.log(`run ${r}: ${gaps.length} gaps (ms): ${gaps.map((g) => g.toFixed(0)).join(" ")}`);
    console.log(
      `run ${r}: max deviation ${Math.max(...deviations).toFixed(0)} ms, median ${median(deviations).toFixed(0)} ms`,
    );
  }
  console.log(
    `campaign pacing: ${contacts} contacts at messageInterval ${interval} s, median of ${runs} runs' max deviation: ${median(worst).toFixed(0)} ms (target ±150 ms), node ${process.version}`,
  );
  const cancels: number[] = [];
  for (let r = 1; r <= Number(process.env.CANCEL_RUNS ?? 3); r++) {
    cancels.push(child<number>("cancel"));
    console.log(`cancel run ${r}: last send ${cancels.at(-1)?.toFixed(0)} ms after the cancel`);
  }
  console.log(
    `campaign cancel: median cancel to last send ${median(cancels).toFixed(0)} ms (target ≤ 1,000 ms)`,
  );
  process.exit(0);
}

void main();
