// A worker started as an operator would, with CHATIA_WHATSAPP_DRIVER=baileys: it claims the
// connection that asks to be opened, opens a real baileys socket with the stored auth state
// (WhatsApp being unreachable here, the connection stays OPENING and retries), and on SIGTERM
// closes it and frees the connection for other workers.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { type RunningProcess, startProcess } from "../../helpers/process";
import { createTestRedis, type TestRedis } from "../../helpers/redis";
import { waitUntil } from "./baileys-fakes";

let dir: string;
let db: TestDatabase;
let redis: TestRedis;
let worker: RunningProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "chatia-baileys-worker-"));
  await cp(path.resolve(__dirname, "../../fixtures/runtime/billing-every-second"), dir, {
    recursive: true,
  });
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  redis = createTestRedis();
}, 60_000);

afterAll(async () => {
  if (worker && worker.child.exitCode === null) {
    worker.child.kill("SIGKILL");
    await worker.exited();
  }
  await redis?.cleanup();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("a worker with the baileys driver", () => {
  it("runs the connection that asks to be opened and frees it on SIGTERM", async () => {
    const [company] = await db.sequelize.query<{ id: number }>(
      `INSERT INTO "Companies" (name) VALUES ('Acme') RETURNING id`,
      { type: QueryTypes.SELECT },
    );
    const [connection] = await db.sequelize.query<{ id: number }>(
      `INSERT INTO "Whatsapps" (name, "companyId", status, provider)
       VALUES ('Loja', $1, 'OPENING', 'baileys') RETURNING id`,
      { bind: [(company as { id: number }).id], type: QueryTypes.SELECT },
    );
    const id = (connection as { id: number }).id;
    const lease = `${redis.prefix}chatia:wa:owner:${id}`;
    worker = startProcess(["start", "--role", "worker"], {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix.slice(0, -1),
      CHATIA_MANIFEST: path.join(dir, "jobs.yaml"),
      CHATIA_DATA_DIR: path.join(dir, ".node-red"),
      NODE_RED_CREDENTIAL_SECRET: "baileys-worker-credential-secret",
      CHATIA_WHATSAPP_DRIVER: "baileys",
    });
    await worker.waitFor(/chatia-flow worker running/, 60_000);
    const owner = await redis.redis.get(lease);
    expect(owner).toMatch(new RegExp(`:${worker.child.pid}:`));

    const row = async () =>
      (
        await db.sequelize.query<{ status: string; retries: number }>(
          'SELECT status, retries FROM "Whatsapps" WHERE id = $1',
          { bind: [id], type: QueryTypes.SELECT },
        )
      )[0];
    // Offline the socket fails and a reconnect is scheduled; online it would show a QR code.
    await waitUntil(
      async () => {
        const r = await row();
        return (r?.status === "OPENING" && r.retries >= 1) || r?.status === "qrcode";
      },
      20_000,
      "the socket's first outcome",
    );
    const [session] = await db.sequelize.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM "WhatsappSessions" WHERE "whatsappId" = $1',
      { bind: [id], type: QueryTypes.SELECT },
    );
    expect(session).toEqual({ n: 1 });

    worker.child.kill("SIGTERM");
    expect(await worker.exited()).toBe(0);
    expect(await redis.redis.get(lease)).toBeNull();
  }, 120_000);
});
