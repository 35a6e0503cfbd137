// Migrations against a real Postgres: up, down one step, down all, up again; atomic failure;
// two processes migrating one database at once.
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertDatabaseReachable,
  createSequelize,
  DEFAULT_DATABASE_URL,
  databaseUrlFromEnv,
} from "../../../runtime/adapters/db/connection";
import {
  CRON_INDEX_NAMES,
  MIGRATIONS,
  type Migration,
  SCHEDULE_INDEX_NAMES,
} from "../../../runtime/adapters/db/migrations";
import {
  executedMigrations,
  migrateDown,
  migrateUp,
  pendingMigrations,
} from "../../../runtime/adapters/db/migrator";
import { ChatiaError } from "../../../runtime/errors";
import {
  createTestDatabase,
  listIndexes,
  listTables,
  type TestDatabase,
} from "../../helpers/database";

const MIGRATION_NAMES = [
  "001-core",
  "002-tickets-messages",
  "003-schedules-campaigns",
  "004-billing-settings",
  "005-cron-indexes",
  "006-send-ledger",
  "007-auth-tokens",
  "008-whatsapp-sessions",
  "009-campaign-progress",
  "010-schedule-error-reason",
  "011-campaign-progress-shards",
  "012-drop-undelivered-index",
  "013-campaign-forgotten-contacts",
  "014-campaign-schedule",
  "015-send-claim-owner",
  "016-flow-publications",
];

/** The later migrations that add columns and indexes only, newest first. */
const COLUMN_MIGRATIONS = ["010-schedule-error-reason", "009-campaign-progress"];

async function columnsOf(database: TestDatabase, table: string): Promise<string[]> {
  const [rows] = await database.sequelize.query(
    `SELECT column_name FROM information_schema.columns WHERE table_name = $1`,
    { bind: [table] },
  );
  return (rows as { column_name: string }[]).map((r) => r.column_name);
}

const TABLES = [
  "ApiTokens",
  "CampaignForgottenContacts",
  "CampaignProgress",
  "CampaignSettings",
  "CampaignShipping",
  "Campaigns",
  "Companies",
  "CompaniesSettings",
  "FlowPublications",
  "ContactListItems",
  "ContactLists",
  "Contacts",
  "Invoices",
  "LogTickets",
  "Messages",
  "Plans",
  "Queues",
  "RefreshTokens",
  "Schedules",
  "SendLedger",
  "Tags",
  "TicketTags",
  "Tickets",
  "UserQueues",
  "Users",
  "WhatsappSessionKeys",
  "WhatsappSessions",
  "Whatsapps",
];

const CRON_INDEXES = [
  "schedules_pending_send_at_idx",
  "schedules_agendada_send_at_idx",
  "campaigns_programada_scheduled_at_idx",
  "tickets_pending_unqueued_idx",
  "tickets_pending_queue_idx",
  "tickets_open_connection_idx",
  "users_online_updated_at_idx",
  "ticket_tags_tag_id_idx",
  "messages_ticket_created_at_idx",
];

const CONSTRAINT_INDEXES = [
  "contacts_company_number_key",
  "invoices_company_due_date_key",
  "campaign_shipping_campaign_contact_key",
  "campaign_settings_company_key_key",
  "companies_settings_company_key",
  "whatsapps_one_default_key",
  "whatsapps_company_name_key",
  "send_ledger_sending_idx",
];

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
}, 30_000);

afterAll(async () => {
  await db?.drop();
});

describe("migrations", () => {
  it("has the documented names in order", () => {
    expect(MIGRATIONS.map((m) => m.name)).toEqual(MIGRATION_NAMES);
    expect([...CRON_INDEX_NAMES].sort()).toEqual([...CRON_INDEXES].sort());
  });

  it("lists every migration as pending on an empty database", async () => {
    expect(await pendingMigrations(db.sequelize)).toEqual(MIGRATION_NAMES);
    expect(await listTables(db.sequelize)).toEqual(["SequelizeMeta"]);
  });

  it("up creates every table and named index, records each migration, leaves nothing pending", async () => {
    expect(await migrateUp(db.sequelize)).toEqual(MIGRATION_NAMES);
    expect(await listTables(db.sequelize)).toEqual(["SequelizeMeta", ...TABLES].sort());
    const indexes = await listIndexes(db.sequelize);
    for (const name of [...CRON_INDEXES, ...CONSTRAINT_INDEXES]) expect(indexes).toContain(name);
    expect(await pendingMigrations(db.sequelize)).toEqual([]);
    expect(await executedMigrations(db.sequelize)).toEqual(MIGRATION_NAMES);
  });

  it("up again applies nothing", async () => {
    expect(await migrateUp(db.sequelize)).toEqual([]);
  });

  it("down one step reverts only the flow publications (their table)", async () => {
    expect(await migrateDown(db.sequelize)).toEqual(["016-flow-publications"]);
    const tables = await listTables(db.sequelize);
    expect(tables).not.toContain("FlowPublications");
    expect(tables).toHaveLength(TABLES.length);
  });

  it("down one more step reverts only the send claims' owners (three ledger columns)", async () => {
    expect(await columnsOf(db, "SendLedger")).toEqual(
      expect.arrayContaining(["claimedBy", "aliveAt", "handedOver"]),
    );
    expect(await migrateDown(db.sequelize)).toEqual(["015-send-claim-owner"]);
    const columns = await columnsOf(db, "SendLedger");
    for (const name of ["claimedBy", "aliveAt", "handedOver"]) expect(columns).not.toContain(name);
    expect(columns).toContain("status");
  });

  it("down one more step reverts only the campaign schedule (pending index, shard totals)", async () => {
    expect(await listIndexes(db.sequelize)).toEqual(
      expect.arrayContaining([...SCHEDULE_INDEX_NAMES]),
    );
    expect(await migrateDown(db.sequelize)).toEqual(["014-campaign-schedule"]);
    const indexes = await listIndexes(db.sequelize);
    for (const name of SCHEDULE_INDEX_NAMES) expect(indexes).not.toContain(name);
    expect(await columnsOf(db, "CampaignProgress")).not.toContain("total");
  });

  it("down one more step reverts only the forgotten contacts (table, trigger and function)", async () => {
    expect(await migrateDown(db.sequelize)).toEqual(["013-campaign-forgotten-contacts"]);
    expect(await listTables(db.sequelize)).not.toContain("CampaignForgottenContacts");
    const [fn] = await db.sequelize.query(
      `SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'campaign_shipping_forget'`,
      { type: QueryTypes.SELECT },
    );
    expect(fn).toEqual({ n: 0 });
  });

  it("down one more step brings back only the undelivered-shippings index", async () => {
    expect(await listIndexes(db.sequelize)).not.toContain("campaign_shipping_undelivered_idx");
    expect(await migrateDown(db.sequelize)).toEqual(["012-drop-undelivered-index"]);
    expect(await listIndexes(db.sequelize)).toContain("campaign_shipping_undelivered_idx");
    expect(await listTables(db.sequelize)).toContain("CampaignProgress");
  });

  it("down one more step reverts only the campaign progress shards", async () => {
    expect(await migrateDown(db.sequelize)).toEqual(["011-campaign-progress-shards"]);
    const tables = await listTables(db.sequelize);
    expect(tables).not.toContain("CampaignProgress");
    expect(tables).toHaveLength(TABLES.length - 2);
  });

  it("down one more step reverts only the schedules' error reason", async () => {
    expect(await migrateDown(db.sequelize)).toEqual(["010-schedule-error-reason"]);
    expect(await columnsOf(db, "Schedules")).not.toContain("errorReason");
    expect(await columnsOf(db, "Campaigns")).toContain("shippingsLeft");
    expect(await listTables(db.sequelize)).toHaveLength(TABLES.length - 2);
  });

  it("down one more step reverts only the campaign progress", async () => {
    expect(await migrateDown(db.sequelize)).toEqual(["009-campaign-progress"]);
    expect(await columnsOf(db, "Campaigns")).not.toContain("shippingsLeft");
    expect(await columnsOf(db, "CampaignShipping")).not.toContain("dueAt");
    expect(await listTables(db.sequelize)).toHaveLength(TABLES.length - 2);
    expect(await pendingMigrations(db.sequelize)).toEqual([
      ...[...COLUMN_MIGRATIONS].reverse(),
      "011-campaign-progress-shards",
      "012-drop-undelivered-index",
      "013-campaign-forgotten-contacts",
      "014-campaign-schedule",
      "015-send-claim-owner",
      "016-flow-publications",
    ]);
  });

  it("down one more step reverts only the WhatsApp sessions", async () => {
    expect(await migrateDown(db.sequelize)).toEqual(["008-whatsapp-sessions"]);
    const tables = await listTables(db.sequelize);
    expect(tables).not.toContain("WhatsappSessions");
    expect(tables).not.toContain("WhatsappSessionKeys");
    expect(tables).toHaveLength(TABLES.length - 4);
    expect(await pendingMigrations(db.sequelize)).toEqual(MIGRATION_NAMES.slice(7));
  });

  it("down one more step reverts only the auth tokens", async () => {
    expect(await migrateDown(db.sequelize)).toEqual(["007-auth-tokens"]);
    const tables = await listTables(db.sequelize);
    expect(tables).not.toContain("ApiTokens");
    expect(tables).not.toContain("RefreshTokens");
    expect(tables).toHaveLength(TABLES.length - 6);
    expect(await pendingMigrations(db.sequelize)).toEqual(MIGRATION_NAMES.slice(6));
  });

  it("down one more step reverts only the send ledger", async () => {
    expect(await migrateDown(db.sequelize)).toEqual(["006-send-ledger"]);
    const tables = await listTables(db.sequelize);
    expect(tables).not.toContain("SendLedger");
    expect(tables).toHaveLength(TABLES.length - 7);
    expect(await listIndexes(db.sequelize)).not.toContain("send_ledger_sending_idx");
    expect(await pendingMigrations(db.sequelize)).toEqual(MIGRATION_NAMES.slice(5));
  });

  it("down one more step reverts only the cron indexes", async () => {
    expect(await migrateDown(db.sequelize)).toEqual(["005-cron-indexes"]);
    const indexes = await listIndexes(db.sequelize);
    for (const name of CRON_INDEXES) expect(indexes).not.toContain(name);
    expect(indexes).toContain("invoices_company_due_date_key");
    expect(await listTables(db.sequelize)).toHaveLength(TABLES.length - 7);
    expect(await pendingMigrations(db.sequelize)).toEqual(MIGRATION_NAMES.slice(4));
  });

  it("down to 0 removes every table and index, up again restores them", async () => {
    expect(await migrateDown(db.sequelize, { to: 0 })).toEqual(
      MIGRATION_NAMES.slice(0, 4).reverse(),
    );
    expect(await listTables(db.sequelize)).toEqual(["SequelizeMeta"]);
    expect(await listIndexes(db.sequelize)).toEqual(["SequelizeMeta_pkey"]);
    expect(await executedMigrations(db.sequelize)).toEqual([]);

    expect(await migrateUp(db.sequelize)).toEqual(MIGRATION_NAMES);
    expect(await listTables(db.sequelize)).toEqual(["SequelizeMeta", ...TABLES].sort());
    const indexes = await listIndexes(db.sequelize);
    for (const name of CRON_INDEXES) expect(indexes).toContain(name);
  });

  it("down `to` a name reverts that migration and every later one", async () => {
    expect(await migrateDown(db.sequelize, { to: "003-schedules-campaigns" })).toEqual([
      "016-flow-publications",
      "015-send-claim-owner",
      "014-campaign-schedule",
      "013-campaign-forgotten-contacts",
      "012-drop-undelivered-index",
      "011-campaign-progress-shards",
      ...COLUMN_MIGRATIONS,
      "008-whatsapp-sessions",
      "007-auth-tokens",
      "006-send-ledger",
      "005-cron-indexes",
      "004-billing-settings",
      "003-schedules-campaigns",
    ]);
    const tables = await listTables(db.sequelize);
    expect(tables).toContain("Tickets");
    expect(tables).not.toContain("Schedules");
    expect(tables).not.toContain("Invoices");
    expect(await migrateUp(db.sequelize)).toEqual(MIGRATION_NAMES.slice(2));
  });
});

describe("a failing migration", () => {
  const broken: Migration = {
    name: "999-broken",
    async up({ queryInterface, transaction }) {
      await queryInterface.createTable(
        "Half",
        { id: { type: "INTEGER", primaryKey: true } },
        {
          transaction,
        },
      );
      await queryInterface.sequelize.query('SELECT * FROM "NoSuchTable"', { transaction });
    },
    async down() {},
  };

  it("is rolled back completely, stays pending and is reported as CF_DB_MIGRATION", async () => {
    const migrations = [...MIGRATIONS, broken];
    const failure = await migrateUp(db.sequelize, { migrations }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChatiaError);
    expect((failure as ChatiaError).code).toBe("CF_DB_MIGRATION");
    expect((failure as ChatiaError).message).toMatch(/999-broken \(up\).*NoSuchTable/);
    expect(await listTables(db.sequelize)).not.toContain("Half");
    expect(await pendingMigrations(db.sequelize, { migrations })).toEqual(["999-broken"]);
  });
});

describe("two processes migrating at once", () => {
  it("apply each migration exactly once between them", async () => {
    await migrateDown(db.sequelize, { to: 0 });
    const other = createSequelize(db.url);
    try {
      const [a, b] = await Promise.all([migrateUp(db.sequelize), migrateUp(other)]);
      expect([...a, ...b].sort()).toEqual(MIGRATION_NAMES);
      expect(await executedMigrations(other)).toEqual(MIGRATION_NAMES);
      expect(await listTables(other)).toEqual(["SequelizeMeta", ...TABLES].sort());
    } finally {
      await other.close();
    }
  });
});

describe("an unreachable database", () => {
  it("is reported as CF_DB_CONNECT without the password", async () => {
    const nowhere = createSequelize("postgres://postgres:s3cret@127.0.0.1:1/chatia", {
      acquireTimeoutMs: 2_000,
    });
    try {
      for (const attempt of [assertDatabaseReachable(nowhere), migrateUp(nowhere)]) {
        const err = await attempt.catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ChatiaError);
        expect((err as ChatiaError).code).toBe("CF_DB_CONNECT");
        expect((err as ChatiaError).message).not.toContain("s3cret");
      }
    } finally {
      await nowhere.close();
    }
  });
});

describe("the database URL", () => {
  it("defaults to postgres@127.0.0.1:5432/chatia and honours DATABASE_URL", () => {
    expect(databaseUrlFromEnv({})).toBe(DEFAULT_DATABASE_URL);
    expect(DEFAULT_DATABASE_URL).toBe("postgres://postgres@127.0.0.1:5432/chatia");
    expect(databaseUrlFromEnv({ DATABASE_URL: "postgres://x@db:5432/y" })).toBe(
      "postgres://x@db:5432/y",
    );
  });
});
