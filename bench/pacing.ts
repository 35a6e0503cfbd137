// Per-connection pacing with two worker processes: one connection, then three, each allowed one
// message per WINDOW_MS (default 3000, the original's REDIS_OPT_LIMITER_DURATION) for MESSAGES
// messages (default 20, so a minute per connection). Prints each connection's smallest gap and the
// messages per minute, one connection against three.
//   npm run bench:pacing
import { runPacingScenario } from "../test/helpers/pacing";

const windowMs = Number(process.env.WINDOW_MS ?? 3000);
const perConnection = Number(process.env.MESSAGES ?? 20);

async function main(): Promise<void> {
  const rows: string[] = [];
  let single = 0;
  for (const connections of [1, 3]) {
    const result = await runPacingScenario({ windowMs, connections, perConnection });
    const perMinute = ((result.totalSends - 1) / result.spanMs) * 60_000;
    if (connections === 1) single = perMinute;
    const minGap = Math.min(...result.perConnection.map((c) => c.minGapMs));
    rows.push(
      `| ${connections} | ${result.totalSends} | ${result.workers} | ${minGap} | ${perMinute.toFixed(1)} | ${(perMinute / single).toFixed(2)}× |`,
    );
  }
  console.log(
    `pacing: 1 message per ${windowMs} ms per connection, ${perConnection} messages each, 2 worker processes`,
  );
  console.log(
    "| connections | sends | workers that sent | smallest gap ms | messages/min | vs 1 connection |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const row of rows) console.log(row);
}

void main();
