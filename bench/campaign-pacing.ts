// Campaign pacing accuracy: CONTACTS contacts (default 30) at messageInterval INTERVAL seconds
// (default 2) through the real flows; prints every gap between two sends as the simulated
// WhatsApp driver saw them, and the largest deviation from the interval. Medians of RUNS runs
// (default 1; each run takes CONTACTS × INTERVAL seconds).
//   npm run bench:campaign-pacing
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

async function main(): Promise<void> {
  const worst: number[] = [];
  for (let r = 1; r <= runs; r++) {
    const gaps = await once();
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
  process.exit(0);
}

void main();
