// More than one machine: two api processes and three workers on the repository's jobs.yaml and
// flows/ (a copy, as a deploy writes to it), finding Redis through Sentinel (one primary, one
// replica, three sentinels of their own on loopback). A socket.io client on either api hears the
// events of work any worker did; a deploy in one api's editor reaches every worker; the crons are
// registered once for the cluster and the campaign they start sends each contact exactly once.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db";
import { SequelizeAuthStore } from "../../../runtime/adapters/db/repositories/auth-store";
import { createRedis, type Redis } from "../../../runtime/adapters/redis";
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
import { type CompanySocket, connectCompanySocket } from "../../helpers/socket";

const ROOT = path.resolve(__dirname, "../../..");
const PASSWORD = "multi-machine-password";
const CONTACTS = 6;
let dir: string;
let db: TestDatabase;
let group: SentinelGroup;
let redis: Redis;
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
    sentinel: { name: group.name, sentinels: sentinelList(group.sentinels) },
  });
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: "redis://ignored-with-sentinels:6379",
    REDIS_SENTINELS: group.sentinels,
    REDIS_SENTINEL_NAME: group.name,
    REDIS_PREFIX: prefix,
    CHATIA_MANIFEST: path.join(dir, "jobs.yaml"),
    CHATIA_ADMIN_PASSWORD: PASSWORD,
    NODE_RED_CREDENTIAL_SECRET: "multi-machine-credential-secret",
    CHATIA_JWT_SECRET: "test-jwt-secret-0123456789abcdefghijklmnop",
    CHATIA_CAMPAIGN_SENDER_BUDGET_MS: "300",
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
  await Promise.all(all.map((p) => p.exited()));
  await redis?.quit().catch(() => undefined);
  stopAllPrivate();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

function sentinelList(text: string): { host: string; port: number }[] {
  return text.split(",").map((s) => {
    const [host = "", port = ""] = s.split(":");
    return { host, port: Number(port) };
  });
}

/** A campaign of CONTACTS contacts, one a second; sockets of its company on both apis. */
async function campaignWithSockets() {
  const pacing = { messageInterval: 1, longerIntervalAfter: 0, greaterInterval: 0 };
  const world = await createCampaignWorld(db.sequelize, { contacts: CONTACTS, pacing });
  const auth = new AuthService({
    store: new SequelizeAuthStore(db.sequelize),
    jwtSecret: "test-jwt-secret-0123456789abcdefghijklmnop",
  });
  const { token } = await auth.createApiToken({
    name: "multi-machine",
    companyId: world.companyId,
    profile: "admin",
  });
  const sockets: CompanySocket[] = await Promise.all(
    apis.map((a) => connectCompanySocket({ url: a.url, token, companyId: world.companyId })),
  );
  return { world, sockets };
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

describe("two apis and three workers through Sentinel", () => {
  it("after a Sentinel failover, every process follows the new primary without a restart", async () => {
    await group.failover(60_000);
    const { world, sockets } = await campaignWithSockets();
    try {
      const id = await createCampaign(db.sequelize, world, { message1: "Oi {nome}" });
      await heardFinished(sockets, world.companyId, id);
      const sim = new SimulatedWhatsApp(redis, { prefix: `${prefix}:chatia:` });
      const sends = await sim.sends({ connectionId: world.whatsappId });
      expect(new Set(sends.map((s) => s.jid)).size).toBe(CONTACTS);
      expect(sends).toHaveLength(CONTACTS);
      for (const p of [...apis.map((a) => a.process), ...workers])
        expect(p.child.exitCode).toBeNull();
    } finally {
      for (const s of sockets) s.close();
    }
  }, 180_000);

  it("a socket on either api hears the campaign the crons started; each contact sent once", async () => {
    const { world, sockets } = await campaignWithSockets();
    try {
      // Started by the VerifyCampaignsDaatabase cron (every 20 s) of whichever worker runs it.
      const id = await createCampaign(db.sequelize, world, { message1: "Oi {nome}" });
      await heardFinished(sockets, world.companyId, id);
      const sim = new SimulatedWhatsApp(redis, { prefix: `${prefix}:chatia:` });
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
  }, 180_000);

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
});
