// The fault suite: during a paced campaign, a burst of SendMessage jobs and the crons (the
// repository's own jobs.yaml and flows/), on a private Postgres cluster and private Redis servers
// (test/helpers/private-services.ts), each fault is injected and then healed, and what happened is
// counted from two independent records: the simulated WhatsApp's record of sends (kept in a Redis
// of its own, the shared one under a private prefix, standing for WhatsApp's servers, so breaking
// the queues' Redis cannot lose or fake it) against the Postgres ledger and campaign tables.
// Used by `npm run chaos` (long sizes) and test/integration/chaos/faults.test.ts (short sizes).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { QueryTypes, type Sequelize } from "sequelize";
import { createSequelize } from "../../runtime/adapters/db/connection";
import { migrateUp } from "../../runtime/adapters/db/migrator";
import { createRedis, type Redis } from "../../runtime/adapters/redis/connection";
import { SimulatedWhatsApp } from "../../runtime/adapters/whatsapp";
import { compile } from "../../runtime/compile";
import { loadManifest } from "../../runtime/manifest";
import { QueueRuntime } from "../../runtime/queues/queue-runtime";
import { contactNumber, createCampaign, createCampaignWorld } from "../helpers/campaigns";
import {
  type PrivatePostgres,
  type PrivateRedis,
  type SentinelGroup,
  startPrivatePostgres,
  startPrivateRedis,
  startSentinelGroup,
  stopAllPrivate,
  waitUntil,
} from "../helpers/private-services";
import { type RunningProcess, startProcess } from "../helpers/process";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy";

const ROOT = path.resolve(__dirname, "../..");

export const FAULTS = [
  "redis-kill-9",
  "redis-failover",
  "postgres-immediate",
  "partition",
  "worker-sigkill",
] as const;
export type Fault = (typeof FAULTS)[number];

export interface ChaosSize {
  /** Campaign contacts, one a second (the campaign's messageInterval). */
  readonly contacts: number;
  /** SendMessage jobs enqueued at the start, on a connection of their own. */
  readonly burst: number;
  /** How long an outage lasts (Redis down, Postgres down, the partition's each half). */
  readonly outageMs: number;
  /** Deadline for everything to settle after the fault. */
  readonly settleMs: number;
}

export const SHORT: ChaosSize = { contacts: 10, burst: 10, outageMs: 2_000, settleMs: 150_000 };
export const LONG: ChaosSize = { contacts: 60, burst: 60, outageMs: 10_000, settleMs: 300_000 };

export interface FaultRow {
  readonly fault: Fault;
  /** Messages not yet settled when the fault hit (campaign shippings and SendMessage jobs). */
  readonly inFlight: number;
  /** Expected messages never sent and not visibly in doubt. */
  readonly lost: number;
  /** Messages WhatsApp received more than once. */
  readonly twice: number;
  /** Messages left visibly in doubt (CF_SEND_IN_DOUBT: their send itself was cut). */
  readonly inDoubt: number;
  /** The campaign's status at the end. */
  readonly campaign: string;
  /** From the fault's end to the first message sent after it, seconds. */
  readonly recoverySeconds: number;
}

/**
 * Messages a fault may leave in doubt: only a SIGKILL of a worker inside a send cuts a send whose
 * outcome nobody knows, and on the paced campaign it kills one send at most. Every other fault
 * (a database or Redis lost, a partition) leaves the worker alive knowing every outcome: none.
 */
export function inDoubtAllowed(fault: Fault): number {
  return fault === "worker-sigkill" ? 1 : 0;
}

/**
 * The targets of issue 16: nothing lost or doubled, nothing in doubt but what inDoubtAllowed
 * allows, the campaign finished, work in flight when the fault hit, flowing within `recoveryS`.
 * The fault suite's test and the table's "pass" column are this one criterion.
 */
export function passes(row: FaultRow, opts: { recoveryS?: number } = {}): boolean {
  const recovered = opts.recoveryS === undefined || row.recoverySeconds <= opts.recoveryS;
  return (
    row.lost === 0 &&
    row.twice === 0 &&
    row.inDoubt <= inDoubtAllowed(row.fault) &&
    row.inFlight > 0 &&
    row.campaign === "FINALIZADA" &&
    recovered
  );
}

/** One private Postgres for every fault (a database each); Redis servers are per fault. */
export class ChaosLab {
  private constructor(
    private readonly pg: PrivatePostgres,
    private readonly world: Redis,
  ) {}

  static async open(): Promise<ChaosLab> {
    const pg = await startPrivatePostgres();
    // The simulated WhatsApp's world: the shared Redis, under a private prefix per fault.
    const world = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", {
      connectionName: "chatia-chaos:whatsapp-world",
      sentinel: null,
    });
    return new ChaosLab(pg, world);
  }

  async close(): Promise<void> {
    await this.world.quit().catch(() => this.world.disconnect());
    stopAllPrivate();
  }

  /** Runs one fault from start to settled, and counts. Cleans up its servers and keys. */
  async run(
    fault: Fault,
    size: ChaosSize,
    log: (line: string) => void = () => {},
  ): Promise<FaultRow> {
    const run = new FaultRun(fault, size, this.pg, this.world, log);
    try {
      return await run.execute();
    } finally {
      await run.cleanup();
    }
  }
}

interface Workload {
  readonly campaignId: number;
  readonly campaignConnection: number;
  readonly burstConnection: number;
  readonly burstCompany: number;
}

class FaultRun {
  private readonly id = randomBytes(4).toString("hex");
  private readonly prefix = `chaos-${this.id}`;
  private readonly dataDir = mkdtempSync(path.join(tmpdir(), "chatia-chaos-nr-"));
  private sequelize?: Sequelize;
  private redis?: PrivateRedis;
  private sentinel?: SentinelGroup;
  private proxy?: TcpProxy;
  private queues?: QueueRuntime;
  private workers: RunningProcess[] = [];
  private readonly env: Record<string, string | undefined> = {};
  private readonly sim: SimulatedWhatsApp;

  constructor(
    private readonly fault: Fault,
    private readonly size: ChaosSize,
    private readonly pg: PrivatePostgres,
    private readonly world: Redis,
    private readonly log: (line: string) => void,
  ) {
    this.sim = new SimulatedWhatsApp(world, { prefix: `${this.prefix}:chatia:` });
  }

  async execute(): Promise<FaultRow> {
    const database = `chaos_${this.fault.replace(/-/g, "_")}_${this.id}`;
    this.pg.createDatabase(database);
    const dbUrl = this.pg.url(database);
    this.sequelize = createSequelize(dbUrl);
    await migrateUp(this.sequelize);
    const work = await this.createWork();
    const redisUrl = await this.startRedis();
    await this.startWorkers(dbUrl, redisUrl);
    await this.enqueueWork(work, redisUrl);
    // The fault hits a campaign under way: a few of its messages out, most still to go.
    await waitUntil(
      async () => (await this.sim.sends({ connectionId: work.campaignConnection })).length >= 3,
      120_000,
      "the campaign's first sends",
    );
    const inFlight = await this.unsettled(work);
    this.log(`${this.fault}: injecting with ${inFlight} messages in flight`);
    const healedAt = await this.inject(work);
    this.log(`${this.fault}: healed, waiting for the work to settle`);
    const recoverySeconds = await this.recovery(healedAt);
    const campaign = await this.settled(work);
    return { fault: this.fault, inFlight, ...(await this.count(work)), campaign, recoverySeconds };
  }

  private async createWork(): Promise<Workload> {
    const sequelize = this.required(this.sequelize);
    const pacing = { messageInterval: 1, longerIntervalAfter: 0, greaterInterval: 0 };
    const world = await createCampaignWorld(sequelize, { contacts: this.size.contacts, pacing });
    const campaignId = await createCampaign(sequelize, world, { message1: "Oi {nome}" });
    const burst = await createCampaignWorld(sequelize, { contacts: 0 });
    return {
      campaignId,
      campaignConnection: world.whatsappId,
      burstConnection: burst.whatsappId,
      burstCompany: burst.companyId,
    };
  }

  private async startRedis(): Promise<string> {
    if (this.fault === "redis-failover") {
      this.sentinel = await startSentinelGroup(`chaos${this.id}`);
      this.env.REDIS_SENTINELS = this.sentinel.sentinels;
      this.env.REDIS_SENTINEL_NAME = this.sentinel.name;
      return this.sentinel.primary.url;
    }
    this.redis = await startPrivateRedis();
    return this.redis.url;
  }

  private async startWorkers(dbUrl: string, redisUrl: string): Promise<void> {
    if (this.fault === "partition") {
      this.proxy = await startTcpProxy({
        host: "127.0.0.1",
        port: new URL(redisUrl).port ? Number(new URL(redisUrl).port) : 6379,
      });
    }
    const env = (n: number) => ({
      ...this.env,
      DATABASE_URL: dbUrl,
      // The partitioned worker (the first) reaches Redis only through the proxy.
      REDIS_URL: n === 1 && this.proxy ? this.proxy.via(redisUrl) : redisUrl,
      REDIS_PREFIX: this.prefix,
      CHATIA_SIMULATED_WHATSAPP_REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
      NODE_RED_CREDENTIAL_SECRET: "chaos-credential-secret",
      CHATIA_JWT_SECRET: "chaos-jwt-secret-0123456789abcdefghijklmnop",
      CHATIA_DATA_DIR: path.join(this.dataDir, `nr-${n}`),
      // Time scaled: SendMessage's per-connection pace 10/s instead of 1 per 3 s.
      REDIS_OPT_LIMITER_DURATION: "100",
      CHATIA_CAMPAIGN_SENDER_BUDGET_MS: "2000",
      CHATIA_REDIS_COMMAND_TIMEOUT_MS: "3000",
    });
    this.workers = [1, 2].map((n) =>
      startProcess(["start", "--role", "worker", "--no-editor", "--port", "0"], env(n)),
    );
    await Promise.all(this.workers.map((w) => w.waitFor(/chatia-flow worker running/, 120_000)));
  }

  private async enqueueWork(work: Workload, redisUrl: string): Promise<void> {
    const plan = compile(await loadManifest(path.join(ROOT, "jobs.yaml")));
    // The harness enqueues before the fault, on the primary itself (its own clients need not
    // follow a failover: the workers' do).
    try {
      this.queues = await QueueRuntime.open(plan, { url: redisUrl, prefix: this.prefix });
      // The producer names its jobs: a Redis that lost its last second cannot hand a used id
      // (and so a used idempotency key) to a new message.
      for (let i = 0; i < this.size.burst; i++) {
        await this.queues.enqueue(
          "MessageQueue",
          "SendMessage",
          {
            whatsappId: work.burstConnection,
            companyId: work.burstCompany,
            data: { number: burstNumber(i), body: `Mensagem ${i}` },
          },
          { jobId: `chaos-${i}` },
        );
      }
      // The cron would start the campaign within 20 s; run it now as well.
      await this.queues.enqueue("CampaignQueue", "VerifyCampaignsDaatabase", {});
    } catch (err) {
      throw new Error(`${this.fault}: enqueueing the work failed: ${(err as Error).message}`);
    }
  }

  /** Injects the fault and heals it; resolves with the moment it was healed. */
  private async inject(work: Workload): Promise<number> {
    const outage = () => new Promise((resolve) => setTimeout(resolve, this.size.outageMs));
    switch (this.fault) {
      case "redis-kill-9": {
        const redis = this.required(this.redis);
        redis.kill9();
        await outage();
        await redis.restart();
        return Date.now();
      }
      case "redis-failover":
        await this.required(this.sentinel).failover(60_000);
        return Date.now();
      case "postgres-immediate":
        this.pg.stopImmediate();
        await outage();
        await this.pg.start();
        return Date.now();
      case "partition": {
        const proxy = this.required(this.proxy);
        proxy.drop();
        await outage();
        proxy.stall();
        await outage();
        proxy.resume();
        return Date.now();
      }
      case "worker-sigkill":
        await this.killSender(work);
        return Date.now();
    }
  }

  /** SIGKILLs the worker holding a campaign send it handed to WhatsApp (slowed down for this). */
  private async killSender(work: Workload): Promise<void> {
    const sequelize = this.required(this.sequelize);
    await this.sim.setBehaviour(work.campaignConnection, { latencyMs: 1_500 });
    const pids = new Set(this.workers.map((w) => w.child.pid));
    let victim: number | undefined;
    await waitUntil(
      async () => {
        const rows = await sequelize.query<{ claimedBy: string }>(
          `SELECT "claimedBy" FROM "SendLedger" WHERE status = 'sending' AND "handedOver"
             AND "whatsappId" = $1`,
          { bind: [work.campaignConnection], type: QueryTypes.SELECT },
        );
        victim = rows
          .map((r) => Number(/ pid (\d+) /.exec(r.claimedBy)?.[1]))
          .find((pid) => pids.has(pid));
        return victim !== undefined;
      },
      60_000,
      "a worker inside a campaign send",
    );
    process.kill(this.required(victim), "SIGKILL");
    await this.sim.setBehaviour(work.campaignConnection, { latencyMs: 0 });
  }

  /** Seconds from `healedAt` to the first send recorded after it (0 if all was sent before). */
  private async recovery(healedAt: number): Promise<number> {
    let first: number | undefined;
    await waitUntil(
      async () => {
        const after = (await this.sim.sends()).filter((s) => s.timestamp >= healedAt);
        first = after[0]?.timestamp;
        return first !== undefined || (await this.nothingLeft());
      },
      this.size.settleMs,
      "messages flowing again",
    );
    return first === undefined ? 0 : Math.round((first - healedAt) / 100) / 10;
  }

  private workload?: Workload;

  private async nothingLeft(): Promise<boolean> {
    return this.workload !== undefined && (await this.unsettled(this.workload)) === 0;
  }

  /** Messages not settled: shippings pending, burst keys not `sent` (and not in doubt). */
  private async unsettled(work: Workload): Promise<number> {
    this.workload = work;
    const sequelize = this.required(this.sequelize);
    const [row] = await sequelize.query<{ shippings: number; sent: number; listed: number }>(
      `SELECT (SELECT count(*) FROM "CampaignShipping" WHERE "campaignId" = $1
                 AND "deliveredAt" IS NULL AND "failedAt" IS NULL)::int AS shippings,
              (SELECT count(*) FROM "CampaignShipping" WHERE "campaignId" = $1)::int AS listed,
              (SELECT count(*) FROM "SendLedger" WHERE "whatsappId" = $2
                 AND (status = 'sent' OR (status = 'sending' AND "handedOver" AND "aliveAt" IS NULL)))::int AS sent`,
      { bind: [work.campaignId, work.burstConnection], type: QueryTypes.SELECT },
    );
    const notListed = this.size.contacts - (row?.listed ?? 0);
    return (row?.shippings ?? 0) + notListed + this.size.burst - (row?.sent ?? 0);
  }

  /** Waits for the campaign to finish and the burst to settle; the campaign's final status. */
  private async settled(work: Workload): Promise<string> {
    const sequelize = this.required(this.sequelize);
    const status = async () => {
      const [row] = await sequelize.query<{ status: string }>(
        `SELECT status FROM "Campaigns" WHERE id = $1`,
        { bind: [work.campaignId], type: QueryTypes.SELECT },
      );
      return row?.status ?? "missing";
    };
    await waitUntil(
      async () => (await status()) === "FINALIZADA" && (await this.unsettled(work)) === 0,
      this.size.settleMs,
      `${this.fault}: campaign FINALIZADA and every SendMessage settled`,
    ).catch((err: Error) => this.log(err.message));
    return status();
  }

  /** Lost, twice and in doubt, from WhatsApp's record against the expected messages. */
  private async count(work: Workload): Promise<Pick<FaultRow, "lost" | "twice" | "inDoubt">> {
    const sequelize = this.required(this.sequelize);
    const sends = await this.sim.sends();
    const times = new Map<string, number>();
    for (const s of sends) {
      const key = `${s.connectionId}|${s.jid}`;
      times.set(key, (times.get(key) ?? 0) + 1);
    }
    const expected = [
      ...Array.from(
        { length: this.size.contacts },
        (_, i) => [work.campaignConnection, contactNumber(i)] as const,
      ),
      ...Array.from(
        { length: this.size.burst },
        (_, i) => [work.burstConnection, burstNumber(i)] as const,
      ),
    ].map(([connection, number]) => `${connection}|${number}@s.whatsapp.net`);
    const doubt = await sequelize.query<{ jid: string; whatsappId: number }>(
      `SELECT jid, "whatsappId" FROM "SendLedger" WHERE status = 'sending' AND "handedOver"
         AND ("aliveAt" IS NULL OR "aliveAt" < now() - interval '15 seconds')`,
      { type: QueryTypes.SELECT },
    );
    const inDoubt = new Set(doubt.map((d) => `${d.whatsappId}|${d.jid}`));
    let lost = 0;
    let twice = 0;
    for (const key of expected) {
      const n = times.get(key) ?? 0;
      if (n === 0 && !inDoubt.has(key)) lost += 1;
      if (n > 1) twice += 1;
    }
    return { lost, twice, inDoubt: inDoubt.size };
  }

  async cleanup(): Promise<void> {
    for (const w of this.workers) w.child.kill("SIGKILL");
    await Promise.all(this.workers.map((w) => w.exited()));
    await this.queues?.close().catch(() => undefined);
    await this.sequelize?.close().catch(() => undefined);
    await this.proxy?.close().catch(() => undefined);
    this.redis?.stop();
    this.sentinel?.stop();
    await deleteKeys(this.world, `${this.prefix}:*`);
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private required<T>(value: T | undefined): T {
    if (value === undefined) throw new Error(`${this.fault}: the run is not set up`);
    return value;
  }
}

/** The burst's recipients: 55219<8 digits>, apart from the campaign's contacts. */
function burstNumber(i: number): string {
  return `55219${String(10_000_000 + i)}`;
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}

/** The table `npm run chaos` prints: one row per fault. */
export function formatTable(rows: readonly FaultRow[], recoveryS = 10): string {
  const head = [
    "fault",
    "in flight",
    "lost",
    "sent twice",
    "in doubt",
    "campaign",
    "recovery s",
    "pass",
  ];
  const lines = rows.map((r) => [
    r.fault,
    String(r.inFlight),
    String(r.lost),
    String(r.twice),
    String(r.inDoubt),
    r.campaign,
    String(r.recoverySeconds),
    passes(r, { recoveryS }) ? "yes" : "NO",
  ]);
  const row = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [row(head), row(head.map(() => "---")), ...lines.map(row)].join("\n");
}
