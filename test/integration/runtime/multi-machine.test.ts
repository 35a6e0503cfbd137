// More than one machine: two api processes and three workers on the repository's jobs.yaml and
// flows/ (a copy, as a deploy writes to it), finding Redis through Sentinel (one primary, one
// replica, three sentinels of their own on loopback). A socket.io client on either api hears the
// events of work any worker did; a deploy in one api's editor reaches every worker; the crons are
// registered once for the cluster and the campaign they start sends each contact exactly once.
// Last, the primary is killed during a campaign: both apis keep answering, every process follows
// the primary the sentinels promote without a restart, and nothing is lost or sent twice.
// WhatsApp's record of sends (the simulated driver's world) is kept on the machine's Redis under
// this file's prefix, apart from the Redis that fails over, so the failover cannot lose or fake it.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db";
import { SequelizeAuthStore } from "../../../runtime/adapters/db/repositories/auth-store";
import { createRedis, type Redis, redisUrlFromEnv } from "../../../runtime/adapters/redis";
import { SimulatedWhatsApp } from "../../../runtime/adapters/whatsapp";
import { AuthService } from "../../../runtime/http/auth";
import { contactNumber, createCampaign, createCampaignWorld, until } from "../../helpers/campaigns";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { deployEdited, editorToken } from "../../helpers/editor";
import {
  type SentinelGroup,
  startSentinelGroup,
  stopAllPrivate,
} from "../../helpers/private-services";
import { type RunningProcess, startProcess } from "../../helpers/process";
import { testRows } from "../../helpers/rows";
import { type CompanySocket, connectCompanySocket } from "../../helpers/socket";

const ROOT = path.resolve(__dirname, "../../..");
const PASSWORD = "multi-machine-password";
const JWT_SECRET = "test-jwt-secret-0123456789abcdefghijklmnop";
const CONTACTS = 8;
let dir: string;
let db: TestDatabase;
let group: SentinelGroup;
/** The test's own client of the queues' Redis, through the sentinels like the processes'. */
let redis: Redis;
/** The simulated WhatsApp's world, on the machine's Redis (not the one that fails over). */
let worldRedis: Redis;
let sim: SimulatedWhatsApp;
const prefix = `mm-${process.pid}-${Date.now()}`;
let apis: { process: RunningProcess; url: string }[] = [];
let workers: RunningProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "chatia-multi-machine-"));
  for (const entry of ["jobs.yaml", "flows", "schemas"]) {
    await cp(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  group = await startSentinelGroup("mm");
  redis = createRedis(group.primary.url, {
    connectionName: "chatia-flow-test:multi-machine",
    sentinel: { name: group.name, sentinels: sentinelList(group.sentinels) },
  });
  worldRedis = createRedis(redisUrlFromEnv(), {
    connectionName: "chatia-flow-test:multi-machine-world",
    sentinel: null,
  });
  sim = new SimulatedWhatsApp(worldRedis, { prefix: `${prefix}:chatia:` });
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: "redis://ignored-with-sentinels:6379",
    REDIS_SENTINELS: group.sentinels,
    REDIS_SENTINEL_NAME: group.name,
    REDIS_PREFIX: prefix,
    CHATIA_SIMULATED_WHATSAPP_REDIS_URL: redisUrlFromEnv(),
    CHATIA_MANIFEST: path.join(dir, "jobs.yaml"),
    CHATIA_ADMIN_PASSWORD: PASSWORD,
    NODE_RED_CREDENTIAL_SECRET: "multi-machine-credential-secret",
    CHATIA_JWT_SECRET: JWT_SECRET,
    CHATIA_CAMPAIGN_SENDER_BUDGET_MS: "300",
    // SendMessage's per-connection pace, 10/s instead of 1 per 3 s.
    REDIS_OPT_LIMITER_DURATION: "100",
  };
  const api = (n: number) =>
    startProcess(["start", "--role", "api", "--port", "0"], {
      ...env,
      CHATIA_DATA_DIR: path.join(dir, `.api-${n}`),
    });
  const started = [api(1), api(2)];
  apis = await Promise.all(
    started.map(async (p) => ({
      process: p,
      url: (await p.waitFor(/running at (http:\/\/\S+)/, 90_000))[1] ?? "",
    })),
  );
  workers = [1, 2, 3].map((n) =>
    startProcess(["start", "--role", "worker", "--no-editor", "--port", "0"], {
      ...env,
      CHATIA_DATA_DIR: path.join(dir, `.worker-${n}`),
    }),
  );
  await Promise.all(workers.map((w) => w.waitFor(/chatia-flow worker running/, 90_000)));
}, 240_000);

afterAll(async () => {
  const all = [...apis.map((a) => a.process), ...workers];
  for (const p of all) p.child.kill("SIGTERM");
  // A process that has not stopped within its grace (a failed run) is killed, not left behind.
  const grace = new AbortController();
  await Promise.all(
    all.map((p) =>
      Promise.race([
        p.exited(),
        sleep(30_000, undefined, { signal: grace.signal }).then(() => {
          p.child.kill("SIGKILL");
          return p.exited();
        }),
      ]),
    ),
  );
  grace.abort();
  await redis?.quit().catch(() => redis.disconnect());
  if (worldRedis) {
    const keys = await worldRedis.keys(`${prefix}:*`).catch(() => []);
    if (keys.length > 0) await worldRedis.del(...keys);
    await worldRedis.quit().catch(() => worldRedis.disconnect());
  }
  stopAllPrivate();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 90_000);

function sentinelList(text: string): { host: string; port: number }[] {
  return text.split(",").map((s) => {
    const [host = "", port = ""] = s.split(":");
    return { host, port: Number(port) };
  });
}

/** A campaign world of CONTACTS contacts, one a second; an API token and sockets on both apis. */
async function campaignWithSockets() {
  const pacing = { messageInterval: 1, longerIntervalAfter: 0, greaterInterval: 0 };
  const world = await createCampaignWorld(db.sequelize, { contacts: CONTACTS, pacing });
  const auth = new AuthService({
    store: new SequelizeAuthStore(db.sequelize),
    jwtSecret: JWT_SECRET,
  });
  const { token } = await auth.createApiToken({
    name: "multi-machine",
    companyId: world.companyId,
    profile: "admin",
  });
  const sockets: CompanySocket[] = await Promise.all(
    apis.map((a) => connectCompanySocket({ url: a.url, token, companyId: world.companyId })),
  );
  return { world, token, sockets };
}

/** Resolves when every socket heard campaign `id` FINALIZADA. */
async function heardFinished(sockets: CompanySocket[], companyId: number, id: number) {
  const name = `company-${companyId}-campaign`;
  for (const socket of sockets) {
    await until(async () => {
      const got = socket.received(name) as { record: { id: number; status: string } }[];
      return got.some((e) => e.record.id === id && e.record.status === "FINALIZADA")
        ? true
        : undefined;
    }, 120_000);
  }
}

/** How many times WhatsApp received each jid on `connectionId`. */
async function timesSent(connectionId: number): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  for (const s of await sim.sends({ connectionId })) times.set(s.jid, (times.get(s.jid) ?? 0) + 1);
  return times;
}

/** Every api and worker is still the process it was (none exited, none restarted). */
function expectAllAlive(): void {
  for (const p of [...apis.map((a) => a.process), ...workers]) {
    expect(
      { exitCode: p.child.exitCode, signal: p.child.signalCode },
      `chatia-flow ${p.child.pid} is gone:\n${p.output().slice(-4000)}`,
    ).toEqual({ exitCode: null, signal: null });
  }
}

const get = (url: string, token?: string) =>
  fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe("two apis and three workers through Sentinel", () => {
  it("a socket on either api hears the campaign the crons started; each contact sent once", async () => {
    const { world, sockets } = await campaignWithSockets();
    try {
      // Started by the VerifyCampaignsDaatabase cron (every 20 s) of whichever worker runs it.
      const id = await createCampaign(db.sequelize, world, { message1: "Oi {nome}" });
      await heardFinished(sockets, world.companyId, id);
      const sends = await sim.sends({ connectionId: world.whatsappId });
      expect(sends.map((s) => s.jid).sort()).toEqual(
        Array.from({ length: CONTACTS }, (_, i) => `${contactNumber(i)}@s.whatsapp.net`).sort(),
      );
      // Work was done by the workers, not by the apis.
      const workerPids = new Set(workers.map((w) => w.child.pid));
      for (const s of sends) expect(workerPids.has(s.pid)).toBe(true);
      // Each cron is registered once for the whole cluster, however many workers started.
      const repeat = await redis.zrange(`${prefix}:CampaignQueue:repeat`, 0, -1);
      expect(repeat.filter((k) => k.startsWith("VerifyCampaignsDaatabase"))).toHaveLength(1);
    } finally {
      for (const s of sockets) s.close();
    }
  }, 120_000);

  it("a deploy in one api's editor reaches every worker", async () => {
    const [first] = apis;
    const token = await editorToken(first?.url ?? "", PASSWORD);
    await deployEdited(first?.url ?? "", token, (flows) => {
      const comment = flows.find((n) => n.id === "5c500001");
      if (comment === undefined) throw new Error("verify-campaigns has no comment node");
      comment.name = "Enqueue first, then mark (edited on one api)";
    });
    await Promise.all(workers.map((w) => w.waitFor(/deployed flows loaded/, 60_000)));
  }, 90_000);

  it("the primary killed during a campaign: the apis keep serving, every process follows the promoted replica, each message is sent once", async () => {
    const { world, token, sockets } = await campaignWithSockets();
    const rows = testRows(db.sequelize);
    const other = (
      await rows.insert("Whatsapps", {
        name: "W2",
        companyId: world.companyId,
        status: "CONNECTED",
      })
    ).id;
    try {
      for (const a of apis) {
        expect((await get(`${a.url}/readyz`)).status).toBe(200);
        expect((await get(`${a.url}/api/queues`, token)).status).toBe(200);
      }
      const id = await createCampaign(db.sequelize, world, { message1: "Oi {nome}" });
      // The failover hits the campaign under way: its first messages out, most still to go.
      await until(
        async () => ((await timesSent(world.whatsappId)).size >= 2 ? true : undefined),
        90_000,
      );
      const oldPrimary = group.primary.port;
      const failover = group.failover(60_000);
      // While the primary is gone, both apis still answer (503 until a primary is back).
      const during = await Promise.all(apis.map((a) => get(`${a.url}/readyz`)));
      for (const res of during) expect([200, 503]).toContain(res.status);
      await failover;
      expect(group.primaryPort()).not.toBe(oldPrimary);
      // Each api follows the new primary on its own: ready again, its queues readable.
      for (const a of apis) {
        await until(
          async () => ((await get(`${a.url}/readyz`)).status === 200 ? true : undefined),
          30_000,
        );
        expect((await get(`${a.url}/api/queues`, token)).status).toBe(200);
      }
      // An enqueue on either api after the failover is taken, and a worker sends it.
      const extra = apis.map((_, i) => `5521999${String(i).padStart(6, "0")}`);
      for (const [i, a] of apis.entries()) {
        const res = await fetch(`${a.url}/api/queues/MessageQueue/jobs`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({
            name: "SendMessage",
            data: { whatsappId: other, data: { number: extra[i], body: "depois do failover" } },
          }),
        });
        expect(res.status, await res.clone().text()).toBe(201);
      }
      await heardFinished(sockets, world.companyId, id);
      await until(
        async () => ((await timesSent(other)).size === extra.length ? true : undefined),
        60_000,
      );
      // Nothing lost, nothing sent twice: every contact and every enqueued message exactly once.
      const campaignSends = await timesSent(world.whatsappId);
      expect(Object.fromEntries(campaignSends)).toEqual(
        Object.fromEntries(
          Array.from({ length: CONTACTS }, (_, i) => [`${contactNumber(i)}@s.whatsapp.net`, 1]),
        ),
      );
      expect(Object.fromEntries(await timesSent(other))).toEqual(
        Object.fromEntries(extra.map((n) => [`${n}@s.whatsapp.net`, 1])),
      );
      expect((await rows.get("Campaigns", { id })).status).toBe("FINALIZADA");
      // By the workers, which were never restarted; the apis are the processes they were.
      const workerPids = new Set(workers.map((w) => w.child.pid));
      for (const s of await sim.sends({ connectionId: other }))
        expect(workerPids.has(s.pid)).toBe(true);
      expectAllAlive();
      // The test's own client through the sentinels followed too.
      await redis.set(`${prefix}:after-failover`, "1");
      expect(await redis.get(`${prefix}:after-failover`)).toBe("1");
    } finally {
      for (const s of sockets) s.close();
    }
  }, 180_000);
});
