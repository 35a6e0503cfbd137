// The WhatsApp driver is a deployment's choice ($CHATIA_WHATSAPP_DRIVER): simulated by default
// and always in demo mode, baileys on request; a process of the api role only routes sends.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db";
import { SimulatedWhatsApp } from "../../../runtime/adapters/whatsapp";
import { BaileysWhatsApp } from "../../../runtime/adapters/whatsapp/baileys-driver";
import { loadConfig } from "../../../runtime/app/config";
import { createWhatsAppGateway } from "../../../runtime/app/whatsapp-gateway";
import { ChatiaError } from "../../../runtime/errors";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { createTestRedis, type TestRedis } from "../../helpers/redis";
import { RecordingEvents } from "./baileys-fakes";

const WORKER = { CHATIA_ROLE: "worker", NODE_RED_CREDENTIAL_SECRET: "a-secret-of-enough-length" };

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  return expect.unreachable("expected a throw");
}

describe("CHATIA_WHATSAPP_DRIVER", () => {
  it("defaults to the simulated driver and accepts baileys", () => {
    expect(loadConfig({}, WORKER).whatsappDriver).toBe("simulated");
    const config = loadConfig({}, { ...WORKER, CHATIA_WHATSAPP_DRIVER: "baileys" });
    expect(config.whatsappDriver).toBe("baileys");
    expect(config.whatsappMaxConnections).toBe(50);
    expect(
      loadConfig({}, { ...WORKER, CHATIA_WHATSAPP_MAX_CONNECTIONS: "7" }).whatsappMaxConnections,
    ).toBe(7);
  });

  it("refuses unknown drivers and bad limits", () => {
    for (const env of [
      { CHATIA_WHATSAPP_DRIVER: "twilio" },
      { CHATIA_WHATSAPP_MAX_CONNECTIONS: "0" },
      { CHATIA_WHATSAPP_MAX_CONNECTIONS: "many" },
    ]) {
      const err = thrown(() => loadConfig({}, { ...WORKER, ...env }));
      expect(err).toBeInstanceOf(ChatiaError);
      expect((err as ChatiaError).code).toBe("CF_CLI_USAGE");
    }
  });

  it("is always the simulated driver in demo mode", () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "chatia-demo-"));
    try {
      const config = loadConfig(
        { demo: true },
        { CHATIA_DATA_DIR: dataDir, CHATIA_WHATSAPP_DRIVER: "baileys" },
      );
      expect(config.whatsappDriver).toBe("simulated");
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("createWhatsAppGateway", () => {
  let db: TestDatabase;
  let t: TestRedis;

  beforeAll(async () => {
    db = await createTestDatabase();
    await migrateUp(db.sequelize);
    t = createTestRedis();
  }, 60_000);

  afterAll(async () => {
    await t?.cleanup();
    await db?.drop();
  });

  const deps = () => ({
    sequelize: db.sequelize,
    queues: { prefix: t.prefix.slice(0, -1), redis: t.redis },
    events: new RecordingEvents(),
  });

  it("builds the simulated driver by default", async () => {
    const gateway = await createWhatsAppGateway(deps());
    expect(gateway).toBeInstanceOf(SimulatedWhatsApp);
    await gateway.close();
  });

  it("builds the baileys driver; an api process runs no connection, only routes", async () => {
    const [company] = await db.sequelize.query<{ id: number }>(
      `INSERT INTO "Companies" (name) VALUES ('Acme') RETURNING id`,
      { type: QueryTypes.SELECT },
    );
    await db.sequelize.query(
      `INSERT INTO "Whatsapps" (name, "companyId", status) VALUES ('w', $1, 'OPENING')`,
      { bind: [(company as { id: number }).id] },
    );
    const gateway = await createWhatsAppGateway(deps(), {
      driver: "baileys",
      runConnections: false,
    });
    try {
      expect(gateway).toBeInstanceOf(BaileysWhatsApp);
      expect((gateway as BaileysWhatsApp).ownedConnections()).toEqual([]);
      expect(await t.redis.keys(`${t.prefix}chatia:wa:owner:*`)).toEqual([]);
    } finally {
      await gateway.close();
    }
  });
});
