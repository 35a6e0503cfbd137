// What routing a baileys send to the connection's owner costs: the same sends made in the owner
// (its socket, in process), in another process's driver (through Redis to the owner and back), and,
// as the baseline, through the simulated driver (which any process may use: a few Redis round
// trips per send). The sockets are fakes that answer at once (no WhatsApp server is reachable), so
// the figures are the driver's and Redis's own cost. Prints the medians of RUNS runs of SENDS
// sends, one at a time (ms per send) and CONCURRENCY at a time (sends/s).
//   npm run bench:wa-routing
import pino from "pino";
import { QueryTypes } from "sequelize";
import { migrateUp } from "../runtime/adapters/db";
import { SequelizeWhatsappConnectionStore } from "../runtime/adapters/db/repositories/whatsapp-connection-store";
import { SequelizeWhatsappSessionStore } from "../runtime/adapters/db/repositories/whatsapp-session-store";
import { SimulatedWhatsApp, type WhatsAppGateway } from "../runtime/adapters/whatsapp";
import { BaileysWhatsApp } from "../runtime/adapters/whatsapp/baileys-driver";
import { createTestDatabase } from "../test/helpers/database";
import { createTestRedis } from "../test/helpers/redis";
import { FakeSocket, RecordingEvents } from "../test/integration/whatsapp/baileys-fakes";

const RUNS = Number(process.env.RUNS ?? 5);
const SENDS = Number(process.env.SENDS ?? 2000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 20);
const JID = "5511999990001@s.whatsapp.net";

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const t = createTestRedis();
  const drivers: BaileysWhatsApp[] = [];
  try {
    await migrateUp(db.sequelize);
    const [company] = await db.sequelize.query<{ id: number }>(
      `INSERT INTO "Companies" (name) VALUES ('Bench') RETURNING id`,
      { type: QueryTypes.SELECT },
    );
    const [row] = await db.sequelize.query<{ id: number }>(
      `INSERT INTO "Whatsapps" (name, "companyId", status) VALUES ('w', $1, 'OPENING') RETURNING id`,
      { bind: [(company as { id: number }).id], type: QueryTypes.SELECT },
    );
    const id = (row as { id: number }).id;
    const start = async (ownerId: string, runConnections: boolean) => {
      const driver = await BaileysWhatsApp.start({
        connections: new SequelizeWhatsappConnectionStore(db.sequelize),
        sessions: new SequelizeWhatsappSessionStore(db.sequelize),
        redis: t.connect(),
        events: new RecordingEvents(),
        prefix: `${t.prefix}chatia:`,
        ownerId,
        runConnections,
        scanIntervalMs: 60_000,
        logger: pino({ level: "silent" }),
        socketFactory: (config) => {
          const socket = new FakeSocket(config);
          setImmediate(() => socket.update({ connection: "open" }));
          return socket;
        },
      });
      drivers.push(driver);
      return driver;
    };
    const owner = await start("owner", true);
    const other = await start("other", false);
    while ((await owner.status(id)) !== "CONNECTED") await new Promise((r) => setTimeout(r, 20));

    const simulated = new SimulatedWhatsApp(t.connect(), {
      prefix: t.prefix,
      maxRecordedSends: 1000,
    });
    const sequential = async (driver: WhatsAppGateway) => {
      const started = performance.now();
      for (let i = 0; i < SENDS; i++) await driver.send(id, { jid: JID, text: `m${i}` });
      return (performance.now() - started) / SENDS;
    };
    const concurrent = async (driver: WhatsAppGateway) => {
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < SENDS) {
            next += 1;
            await driver.send(id, { jid: JID, text: "m" });
          }
        }),
      );
      return SENDS / ((performance.now() - started) / 1000);
    };
    await sequential(other); // warm-up
    await sequential(simulated);
    const drivers3 = { owner, routed: other, simulated } as const;
    const ms: Record<keyof typeof drivers3, number[]> = { owner: [], routed: [], simulated: [] };
    const rate: Record<keyof typeof drivers3, number[]> = { owner: [], routed: [], simulated: [] };
    for (let run = 0; run < RUNS; run++) {
      for (const [name, driver] of Object.entries(drivers3) as [
        keyof typeof drivers3,
        WhatsAppGateway,
      ][]) {
        ms[name].push(await sequential(driver));
        rate[name].push(await concurrent(driver));
      }
    }
    const m = (name: keyof typeof drivers3) => ({ ms: median(ms[name]), rate: median(rate[name]) });
    const base = m("simulated");
    console.log(
      `wa-routing: ${RUNS} runs of ${SENDS} sends (median), fake sockets answering at once`,
    );
    console.log(`| send | ms per send, one at a time | sends/s, ${CONCURRENCY} at a time |`);
    console.log("|---|---|---|");
    const line = (label: string, name: keyof typeof drivers3) => {
      const r = m(name);
      console.log(
        `| ${label} | ${r.ms.toFixed(3)} (${(r.ms / base.ms).toFixed(2)}×) | ${r.rate.toFixed(0)} (${(r.rate / base.rate).toFixed(2)}×) |`,
      );
    };
    line("simulated driver (baseline)", "simulated");
    line("baileys, made in the owner", "owner");
    line("baileys, routed from another process", "routed");
  } finally {
    await Promise.all(drivers.map((d) => d.close()));
    await t.cleanup();
    await db.drop();
  }
}

void main();
