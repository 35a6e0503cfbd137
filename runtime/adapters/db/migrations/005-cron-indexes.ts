// 005-cron-indexes: one index per query a cron runs every minute (or two), shaped to that query,
// so their cost follows the rows due rather than the size of the tables.
import { Op } from "sequelize";
import { addIndex, type IndexSpec, type MigrationContext } from "./schema-helpers";

const CRON_INDEXES: readonly IndexSpec[] = [
  // ScheduleMonitor.Verify: status = 'PENDENTE' AND "sendAt" <= now + look-ahead.
  {
    table: "Schedules",
    name: "schedules_pending_send_at_idx",
    fields: ["sendAt"],
    where: { status: "PENDENTE" },
  },
  // Reconcile: schedules marked AGENDADA whose send job may have been lost.
  {
    table: "Schedules",
    name: "schedules_agendada_send_at_idx",
    fields: ["sendAt"],
    where: { status: "AGENDADA" },
  },
  // CampaignQueue.VerifyCampaignsDaatabase: status = 'PROGRAMADA' AND "scheduledAt" <= now + 3 h.
  {
    table: "Campaigns",
    name: "campaigns_programada_scheduled_at_idx",
    fields: ["scheduledAt"],
    where: { status: "PROGRAMADA" },
  },
  // QueueMonitor: per connection, pending tickets without a queue, idle since "updatedAt".
  {
    table: "Tickets",
    name: "tickets_pending_unqueued_idx",
    fields: ["whatsappId", "updatedAt"],
    where: { status: "pending", queueId: null },
  },
  // DistributeTickets: pending tickets of a routed queue, oldest first. Queue-less tickets are
  // left out: they belong to the index above, and the two must not compete for those queries.
  {
    table: "Tickets",
    name: "tickets_pending_queue_idx",
    fields: ["queueId", "updatedAt"],
    where: { status: "pending", queueId: { [Op.ne]: null } },
  },
  // CloseInactiveTickets: per connection, open tickets idle since "updatedAt".
  {
    table: "Tickets",
    name: "tickets_open_connection_idx",
    fields: ["whatsappId", "updatedAt"],
    where: { status: "open" },
  },
  // UserMonitor: online users not seen since "updatedAt".
  {
    table: "Users",
    name: "users_online_updated_at_idx",
    fields: ["updatedAt"],
    where: { online: true },
  },
  // MoveKanbanLanes: the tickets in a lane (the primary key leads with ticketId instead).
  { table: "TicketTags", name: "ticket_tags_tag_id_idx", fields: ["tagId"] },
  // DispatchCampaign: "is anything of this campaign left to deliver?" in O(1).
  {
    table: "CampaignShipping",
    name: "campaign_shipping_undelivered_idx",
    fields: ["campaignId"],
    where: { deliveredAt: null },
  },
  // A ticket's messages in order (ticket view, greetings, last-message lookups).
  { table: "Messages", name: "messages_ticket_created_at_idx", fields: ["ticketId", "createdAt"] },
];

/** Names of the indexes this migration owns, for checks and documentation. */
export const CRON_INDEX_NAMES: readonly string[] = CRON_INDEXES.map((index) => index.name);

export async function up(ctx: MigrationContext): Promise<void> {
  for (const index of CRON_INDEXES) await addIndex(ctx, index);
}

export async function down(ctx: MigrationContext): Promise<void> {
  for (const index of [...CRON_INDEXES].reverse()) {
    await ctx.queryInterface.removeIndex(index.table, index.name, { transaction: ctx.transaction });
  }
}
