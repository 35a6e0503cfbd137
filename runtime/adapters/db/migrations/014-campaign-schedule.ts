// 014-campaign-schedule: the CampaignShipping rows become the schedule of record (Redis holds one
// dispatch job per connection, not one per contact). The sender asks "what is due next on this
// connection?": per running campaign, its first pending shipping by due time, from a partial index
// that holds only the pending ones (a settled shipping leaves it). `CampaignProgress.total` keeps
// each shard's count at the snapshot, so that the expansion can count off, once, the contacts that
// left the list before their shipping was written; `Campaigns.expandedThrough` / `expandedCount`
// say how far an interrupted expansion got (the last item id written, and how many items).
import { DataTypes } from "sequelize";
import type { MigrationContext } from "./schema-helpers";

/** The indexes this migration creates. */
export const SCHEDULE_INDEXES: readonly string[] = [
  "campaign_shipping_pending_idx",
  "campaigns_running_connection_idx",
];

export async function up(ctx: MigrationContext): Promise<void> {
  const { queryInterface: qi, transaction } = ctx;
  await qi.addColumn(
    "CampaignProgress",
    "total",
    { type: DataTypes.INTEGER, allowNull: true },
    { transaction },
  );
  for (const column of ["expandedThrough", "expandedCount"]) {
    await qi.addColumn(
      "Campaigns",
      column,
      { type: DataTypes.INTEGER, allowNull: true },
      { transaction },
    );
  }
  await qi.sequelize.query(
    `CREATE INDEX campaign_shipping_pending_idx ON "CampaignShipping" ("campaignId", "dueAt", id)
      WHERE "deliveredAt" IS NULL AND "failedAt" IS NULL AND "confirmationRequestedAt" IS NULL`,
    { transaction },
  );
  await qi.sequelize.query(
    `CREATE INDEX campaigns_running_connection_idx ON "Campaigns" ("whatsappId")
      WHERE status = 'EM_ANDAMENTO'`,
    { transaction },
  );
}

export async function down(ctx: MigrationContext): Promise<void> {
  const { queryInterface: qi, transaction } = ctx;
  await qi.sequelize.query(`DROP INDEX campaigns_running_connection_idx`, { transaction });
  await qi.sequelize.query(`DROP INDEX campaign_shipping_pending_idx`, { transaction });
  await qi.removeColumn("CampaignProgress", "total", { transaction });
  await qi.removeColumn("Campaigns", "expandedCount", { transaction });
  await qi.removeColumn("Campaigns", "expandedThrough", { transaction });
}
