// 002-tickets-messages: conversations — Tickets, Messages, LogTickets, Tags (kanban lanes), TicketTags.
import { DataTypes, literal } from "sequelize";
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

const { STRING, TEXT, DATE, UUID } = DataTypes;

export async function up(ctx: MigrationContext): Promise<void> {
  await createTickets(ctx);
  await createMessages(ctx);
  await createLogTickets(ctx);
  await createTags(ctx);
}

export async function down(ctx: MigrationContext): Promise<void> {
  await dropTables(ctx, ["TicketTags", "Tags", "LogTickets", "Messages", "Tickets"]);
}

async function createTickets(ctx: MigrationContext): Promise<void> {
  await ctx.queryInterface.createTable(
    "Tickets",
    {
      id: serialId(),
      uuid: {
        type: UUID,
        allowNull: false,
        unique: true,
        defaultValue: literal("gen_random_uuid()"),
      },
      status: { type: STRING, allowNull: false, defaultValue: "pending" },
      lastMessage: { type: TEXT, allowNull: false, defaultValue: "" },
      unreadMessages: count(0),
      isGroup: flag(false),
      fromMe: flag(false),
      userId: foreignKey("Users", "SET NULL"),
      contactId: foreignKey("Contacts", "CASCADE"),
      whatsappId: foreignKey("Whatsapps", "SET NULL"),
      queueId: foreignKey("Queues", "SET NULL"),
      companyId: foreignKey("Companies", "CASCADE"),
      closedAt: { type: DATE, allowNull: true },
      ...timestamps(),
    },
    { transaction: ctx.transaction },
  );
  await addCheckIn(ctx, "Tickets", "status", ["open", "pending", "closed"], "tickets_status_check");
  await addIndex(ctx, {
    table: "Tickets",
    name: "tickets_company_status_idx",
    fields: ["companyId", "status"],
  });
  // A contact's current ticket is looked up by contact before every scheduled or campaign send.
  await addIndex(ctx, { table: "Tickets", name: "tickets_contact_id_idx", fields: ["contactId"] });
}

async function createMessages(ctx: MigrationContext): Promise<void> {
  await ctx.queryInterface.createTable(
    "Messages",
    {
      id: serialId(),
      wid: { type: STRING, allowNull: false },
      body: { type: TEXT, allowNull: false, defaultValue: "" },
      ack: count(0),
      read: flag(false),
      mediaType: { type: STRING, allowNull: true },
      mediaUrl: { type: STRING, allowNull: true },
      fromMe: flag(false),
      isDeleted: flag(false),
      remoteJid: { type: STRING, allowNull: true },
      ticketId: foreignKey("Tickets", "CASCADE"),
      contactId: foreignKey("Contacts", "SET NULL"),
      companyId: foreignKey("Companies", "CASCADE"),
      queueId: foreignKey("Queues", "SET NULL"),
      ...timestamps(),
    },
    { transaction: ctx.transaction },
  );
  // Acks and edits arrive with WhatsApp's id only.
  await addIndex(ctx, { table: "Messages", name: "messages_wid_idx", fields: ["wid"] });
}

async function createLogTickets(ctx: MigrationContext): Promise<void> {
  await ctx.queryInterface.createTable(
    "LogTickets",
    {
      id: serialId(),
      type: { type: STRING, allowNull: false },
      userId: foreignKey("Users", "SET NULL"),
      ticketId: foreignKey("Tickets", "CASCADE"),
      queueId: foreignKey("Queues", "SET NULL"),
      ...timestamps(),
    },
    { transaction: ctx.transaction },
  );
  await addIndex(ctx, {
    table: "LogTickets",
    name: "log_tickets_ticket_id_idx",
    fields: ["ticketId"],
  });
}

async function createTags(ctx: MigrationContext): Promise<void> {
  const { queryInterface: qi, transaction } = ctx;
  await qi.createTable(
    "Tags",
    {
      id: serialId(),
      name: { type: STRING, allowNull: false },
      color: { type: STRING, allowNull: false, defaultValue: "#5c59a0" },
      kanban: count(0),
      timeLane: count(0),
      nextLaneId: foreignKey("Tags", "SET NULL"),
      greetingMessageLane: { type: TEXT, allowNull: true },
      companyId: foreignKey("Companies", "CASCADE"),
      ...timestamps(),
    },
    { transaction },
  );
  await addUnique(ctx, "Tags", ["companyId", "name"], "tags_company_name_key");
  await qi.createTable(
    "TicketTags",
    {
      ticketId: { ...foreignKey("Tickets", "CASCADE"), primaryKey: true },
      tagId: { ...foreignKey("Tags", "CASCADE"), primaryKey: true },
      ...timestamps(),
    },
    { transaction },
  );
}
