// 003-schedules-campaigns: outbound work — Schedules, ContactLists, ContactListItems, Campaigns,
// CampaignShipping, CampaignSettings.
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

const { STRING, TEXT, DATE } = DataTypes;
const TICKET_STATUSES = ["open", "pending", "closed"];

export async function up(ctx: MigrationContext): Promise<void> {
  await createSchedules(ctx);
  await createContactLists(ctx);
  await createCampaigns(ctx);
  await createCampaignShipping(ctx);
  await createCampaignSettings(ctx);
}

export async function down(ctx: MigrationContext): Promise<void> {
  await dropTables(ctx, [
    "CampaignSettings",
    "CampaignShipping",
    "Campaigns",
    "ContactListItems",
    "ContactLists",
    "Schedules",
  ]);
}

async function createSchedules(ctx: MigrationContext): Promise<void> {
  await ctx.queryInterface.createTable(
    "Schedules",
    {
      id: serialId(),
      body: { type: TEXT, allowNull: false },
      sendAt: { type: DATE, allowNull: false },
      sentAt: { type: DATE, allowNull: true },
      status: { type: STRING, allowNull: false, defaultValue: "PENDENTE" },
      contactId: foreignKey("Contacts", "CASCADE"),
      ticketId: foreignKey("Tickets", "SET NULL"),
      userId: foreignKey("Users", "SET NULL"),
      companyId: foreignKey("Companies", "CASCADE"),
      ticketUserId: foreignKey("Users", "SET NULL"),
      queueId: foreignKey("Queues", "SET NULL"),
      whatsappId: foreignKey("Whatsapps", "SET NULL"),
      openTicket: { type: STRING, allowNull: false, defaultValue: "disabled" },
      statusTicket: { type: STRING, allowNull: false, defaultValue: "closed" },
      mediaPath: { type: TEXT, allowNull: true },
      mediaName: { type: TEXT, allowNull: true },
      assinar: flag(false),
      intervalo: count(1),
      valorIntervalo: count(0),
      enviarQuantasVezes: count(1),
      contadorEnvio: count(0),
      ...timestamps(),
    },
    { transaction: ctx.transaction },
  );
  const statuses = ["PENDENTE", "AGENDADA", "ENVIADA", "ERRO"];
  await addCheckIn(ctx, "Schedules", "status", statuses, "schedules_status_check");
  await addCheckIn(
    ctx,
    "Schedules",
    "statusTicket",
    TICKET_STATUSES,
    "schedules_status_ticket_check",
  );
  await addIndex(ctx, {
    table: "Schedules",
    name: "schedules_company_id_idx",
    fields: ["companyId"],
  });
}

async function createContactLists(ctx: MigrationContext): Promise<void> {
  const { queryInterface: qi, transaction } = ctx;
  await qi.createTable(
    "ContactLists",
    {
      id: serialId(),
      name: { type: STRING, allowNull: false },
      companyId: foreignKey("Companies", "CASCADE"),
      ...timestamps(),
    },
    { transaction },
  );
  await addIndex(ctx, {
    table: "ContactLists",
    name: "contact_lists_company_id_idx",
    fields: ["companyId"],
  });
  await qi.createTable(
    "ContactListItems",
    {
      id: serialId(),
      name: { type: STRING, allowNull: false },
      number: { type: STRING, allowNull: false },
      email: { type: STRING, allowNull: false, defaultValue: "" },
      isWhatsappValid: flag(false),
      isGroup: flag(false),
      contactListId: foreignKey("ContactLists", "CASCADE"),
      companyId: foreignKey("Companies", "CASCADE"),
      ...timestamps(),
    },
    { transaction },
  );
  // One number once per list: a duplicate would be a second send to the same person.
  await addUnique(
    ctx,
    "ContactListItems",
    ["contactListId", "number"],
    "contact_list_items_list_number_key",
  );
}

async function createCampaigns(ctx: MigrationContext): Promise<void> {
  const text = () => ({ type: TEXT, allowNull: true });
  await ctx.queryInterface.createTable(
    "Campaigns",
    {
      id: serialId(),
      name: { type: STRING, allowNull: false },
      status: { type: STRING, allowNull: false, defaultValue: "INATIVA" },
      confirmation: flag(false),
      scheduledAt: { type: DATE, allowNull: true },
      completedAt: { type: DATE, allowNull: true },
      message1: text(),
      message2: text(),
      message3: text(),
      message4: text(),
      message5: text(),
      confirmationMessage1: text(),
      confirmationMessage2: text(),
      confirmationMessage3: text(),
      confirmationMessage4: text(),
      confirmationMessage5: text(),
      mediaPath: text(),
      mediaName: text(),
      companyId: foreignKey("Companies", "CASCADE"),
      contactListId: foreignKey("ContactLists", "SET NULL"),
      whatsappId: foreignKey("Whatsapps", "SET NULL"),
      userId: foreignKey("Users", "SET NULL"),
      queueId: foreignKey("Queues", "SET NULL"),
      openTicket: { type: STRING, allowNull: false, defaultValue: "disabled" },
      statusTicket: { type: STRING, allowNull: false, defaultValue: "closed" },
      ...timestamps(),
    },
    { transaction: ctx.transaction },
  );
  const statuses = ["INATIVA", "PROGRAMADA", "EM_ANDAMENTO", "CANCELADA", "FINALIZADA"];
  await addCheckIn(ctx, "Campaigns", "status", statuses, "campaigns_status_check");
  await addCheckIn(
    ctx,
    "Campaigns",
    "statusTicket",
    TICKET_STATUSES,
    "campaigns_status_ticket_check",
  );
  await addIndex(ctx, {
    table: "Campaigns",
    name: "campaigns_company_id_idx",
    fields: ["companyId"],
  });
}

async function createCampaignShipping(ctx: MigrationContext): Promise<void> {
  await ctx.queryInterface.createTable(
    "CampaignShipping",
    {
      id: serialId(),
      jobId: { type: STRING, allowNull: true },
      number: { type: STRING, allowNull: false },
      message: { type: TEXT, allowNull: false, defaultValue: "" },
      confirmationMessage: { type: TEXT, allowNull: true },
      confirmation: { type: DataTypes.BOOLEAN, allowNull: true },
      contactId: foreignKey("ContactListItems", "CASCADE"),
      campaignId: foreignKey("Campaigns", "CASCADE"),
      confirmationRequestedAt: { type: DATE, allowNull: true },
      confirmedAt: { type: DATE, allowNull: true },
      deliveredAt: { type: DATE, allowNull: true },
      failedAt: { type: DATE, allowNull: true },
      failureReason: { type: TEXT, allowNull: true },
      ...timestamps(),
    },
    { transaction: ctx.transaction },
  );
  // PrepareContact's findOrCreate races; only this constraint keeps one row per recipient.
  await addUnique(
    ctx,
    "CampaignShipping",
    ["campaignId", "contactId"],
    "campaign_shipping_campaign_contact_key",
  );
  await addIndex(ctx, {
    table: "CampaignShipping",
    name: "campaign_shipping_contact_id_idx",
    fields: ["contactId"],
  });
}

async function createCampaignSettings(ctx: MigrationContext): Promise<void> {
  await ctx.queryInterface.createTable(
    "CampaignSettings",
    {
      id: serialId(),
      key: { type: STRING, allowNull: false },
      value: { type: TEXT, allowNull: true },
      companyId: foreignKey("Companies", "CASCADE"),
      ...timestamps(),
    },
    { transaction: ctx.transaction },
  );
  await addUnique(
    ctx,
    "CampaignSettings",
    ["companyId", "key"],
    "campaign_settings_company_key_key",
  );
}
