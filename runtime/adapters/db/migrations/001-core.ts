// 001-core: tenancy and people — Plans, Companies, Users, Queues, UserQueues, Whatsapps, Contacts.
import { DataTypes } from "sequelize";
import {
  addCheckIn,
  addIndex,
  addUnique,
  count,
  dropTables,
  flag,
  foreignKey,
  type MigrationContext,
  serialId,
  timestamps,
} from "./schema-helpers";

const { STRING, TEXT, DECIMAL, DATEONLY, DATE } = DataTypes;

export async function up(ctx: MigrationContext): Promise<void> {
  await createPlansAndCompanies(ctx);
  await createUsersAndQueues(ctx);
  await createWhatsapps(ctx);
  await createContacts(ctx);
}

export async function down(ctx: MigrationContext): Promise<void> {
  await dropTables(ctx, [
    "Contacts",
    "Whatsapps",
    "UserQueues",
    "Queues",
    "Users",
    "Companies",
    "Plans",
  ]);
}

async function createPlansAndCompanies(ctx: MigrationContext): Promise<void> {
  const { queryInterface: qi, transaction } = ctx;
  await qi.createTable(
    "Plans",
    {
      id: serialId(),
      name: { type: STRING, allowNull: false, unique: true },
      users: count(0),
      connections: count(0),
      queues: count(0),
      amount: { type: DECIMAL(10, 2), allowNull: false, defaultValue: 0 },
      useKanban: flag(true),
      useCampaigns: flag(true),
      useSchedules: flag(true),
      ...timestamps(),
    },
    { transaction },
  );
  await qi.createTable(
    "Companies",
    {
      id: serialId(),
      name: { type: STRING, allowNull: false, unique: true },
      phone: { type: STRING, allowNull: true },
      email: { type: STRING, allowNull: true },
      status: flag(true),
      dueDate: { type: DATEONLY, allowNull: true },
      recurrence: { type: STRING, allowNull: true, defaultValue: "MENSAL" },
      planId: foreignKey("Plans", "SET NULL"),
      timezone: { type: STRING, allowNull: false, defaultValue: "America/Sao_Paulo" },
      ...timestamps(),
    },
    { transaction },
  );
}

async function createUsersAndQueues(ctx: MigrationContext): Promise<void> {
  const { queryInterface: qi, transaction } = ctx;
  await qi.createTable(
    "Users",
    {
      id: serialId(),
      name: { type: STRING, allowNull: false },
      email: { type: STRING, allowNull: false, unique: true },
      passwordHash: { type: STRING, allowNull: false },
      profile: { type: STRING, allowNull: false, defaultValue: "user" },
      online: flag(false),
      super: flag(false),
      companyId: foreignKey("Companies", "CASCADE"),
      ...timestamps(),
    },
    { transaction },
  );
  await addCheckIn(ctx, "Users", "profile", ["admin", "user"], "users_profile_check");
  await addIndex(ctx, { table: "Users", name: "users_company_id_idx", fields: ["companyId"] });
  await qi.createTable(
    "Queues",
    {
      id: serialId(),
      name: { type: STRING, allowNull: false },
      color: { type: STRING, allowNull: false },
      greetingMessage: { type: TEXT, allowNull: true },
      ativarRoteador: flag(false),
      tempoRoteador: count(0),
      companyId: foreignKey("Companies", "CASCADE"),
      ...timestamps(),
    },
    { transaction },
  );
  await addUnique(ctx, "Queues", ["companyId", "name"], "queues_company_name_key");
  await qi.createTable(
    "UserQueues",
    {
      userId: { ...foreignKey("Users", "CASCADE"), primaryKey: true },
      queueId: { ...foreignKey("Queues", "CASCADE"), primaryKey: true },
      ...timestamps(),
    },
    { transaction },
  );
  await addIndex(ctx, {
    table: "UserQueues",
    name: "user_queues_queue_id_idx",
    fields: ["queueId"],
  });
}

async function createWhatsapps(ctx: MigrationContext): Promise<void> {
  const { queryInterface: qi, transaction } = ctx;
  await qi.createTable(
    "Whatsapps",
    {
      id: serialId(),
      name: { type: STRING, allowNull: false },
      session: { type: TEXT, allowNull: true },
      qrcode: { type: TEXT, allowNull: true },
      status: { type: STRING, allowNull: false, defaultValue: "DISCONNECTED" },
      retries: count(0),
      isDefault: flag(false),
      greetingMessage: { type: TEXT, allowNull: true },
      farewellMessage: { type: TEXT, allowNull: true },
      companyId: foreignKey("Companies", "CASCADE"),
      expiresTicket: count(0),
      expiresInactiveMessage: { type: TEXT, allowNull: true },
      timeSendQueue: count(0),
      sendIdQueue: foreignKey("Queues", "SET NULL"),
      groupAsTicket: { type: STRING, allowNull: false, defaultValue: "disabled" },
      provider: { type: STRING, allowNull: false, defaultValue: "simulated" },
      ...timestamps(),
      deletedAt: { type: DATE, allowNull: true },
    },
    { transaction },
  );
  const statuses = ["CONNECTED", "DISCONNECTED", "OPENING", "qrcode", "PAIRING", "TIMEOUT"];
  await addCheckIn(ctx, "Whatsapps", "status", statuses, "whatsapps_status_check");
  await addCheckIn(
    ctx,
    "Whatsapps",
    "provider",
    ["simulated", "baileys"],
    "whatsapps_provider_check",
  );
  await addIndex(ctx, {
    table: "Whatsapps",
    name: "whatsapps_company_id_idx",
    fields: ["companyId"],
  });
  // Deleted connections keep their rows (deletedAt set); uniqueness only binds live ones.
  await addIndex(ctx, {
    table: "Whatsapps",
    name: "whatsapps_company_name_key",
    fields: ["companyId", "name"],
    unique: true,
    where: { deletedAt: null },
  });
  await addIndex(ctx, {
    table: "Whatsapps",
    name: "whatsapps_one_default_key",
    fields: ["companyId"],
    unique: true,
    where: { isDefault: true, deletedAt: null },
  });
}

async function createContacts(ctx: MigrationContext): Promise<void> {
  await ctx.queryInterface.createTable(
    "Contacts",
    {
      id: serialId(),
      name: { type: STRING, allowNull: false },
      number: { type: STRING, allowNull: false },
      email: { type: STRING, allowNull: false, defaultValue: "" },
      profilePicUrl: { type: STRING, allowNull: true },
      urlPicture: { type: STRING, allowNull: true },
      isGroup: flag(false),
      active: flag(true),
      disableBot: flag(false),
      acceptAudioMessage: flag(true),
      lgpdAcceptedAt: { type: DATE, allowNull: true },
      companyId: foreignKey("Companies", "CASCADE"),
      whatsappId: foreignKey("Whatsapps", "SET NULL"),
      ...timestamps(),
    },
    { transaction: ctx.transaction },
  );
  await addUnique(ctx, "Contacts", ["companyId", "number"], "contacts_company_number_key");
}
