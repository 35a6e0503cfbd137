// 009-campaign-progress: what lets a campaign finish in O(1) per message and survive a crash.
// Campaigns get the snapshot of their list taken when ProcessCampaign starts ("shippingsLeft",
// "lastItemId", "pacedFrom") and the moment every contact was handed on ("expandedAt");
// CampaignShipping gets the time it is due ("dueAt"), so that stranded ones can be found.
import { DataTypes } from "sequelize";
import { addIndex, type MigrationContext } from "./schema-helpers";

const { INTEGER, DATE } = DataTypes;

const CAMPAIGN_COLUMNS = {
  /** Shippings not yet delivered or failed; decremented by the UPDATE that settles each one. */
  shippingsLeft: { type: INTEGER, allowNull: true },
  /** The highest ContactListItems id of the list when the campaign started: later ones wait. */
  lastItemId: { type: INTEGER, allowNull: true },
  /** The instant the pacing counts from: scheduledAt, or the start if that was later. */
  pacedFrom: { type: DATE, allowNull: true },
  /** Set once every contact's PrepareContact job is enqueued. */
  expandedAt: { type: DATE, allowNull: true },
} as const;

export async function up(ctx: MigrationContext): Promise<void> {
  const { queryInterface: qi, transaction } = ctx;
  for (const [name, column] of Object.entries(CAMPAIGN_COLUMNS)) {
    await qi.addColumn("Campaigns", name, column, { transaction });
  }
  await qi.addColumn("CampaignShipping", "dueAt", { type: DATE, allowNull: true }, { transaction });
  // ProcessCampaign reads a list in id order, a page at a time.
  await addIndex(ctx, {
    table: "ContactListItems",
    name: "contact_list_items_list_id_idx",
    fields: ["contactListId", "id"],
  });
  // Reconcile: campaigns running now (few rows of a large table).
  await addIndex(ctx, {
    table: "Campaigns",
    name: "campaigns_em_andamento_idx",
    fields: ["id"],
    where: { status: "EM_ANDAMENTO" },
  });
  // Reconcile: unsettled shippings past their due time, oldest first.
  await addIndex(ctx, {
    table: "CampaignShipping",
    name: "campaign_shipping_open_due_at_idx",
    fields: ["dueAt"],
    where: { deliveredAt: null, failedAt: null, confirmationRequestedAt: null },
  });
}

export async function down(ctx: MigrationContext): Promise<void> {
  const { queryInterface: qi, transaction } = ctx;
  await qi.removeIndex("CampaignShipping", "campaign_shipping_open_due_at_idx", { transaction });
  await qi.removeIndex("Campaigns", "campaigns_em_andamento_idx", { transaction });
  await qi.removeIndex("ContactListItems", "contact_list_items_list_id_idx", { transaction });
  await qi.removeColumn("CampaignShipping", "dueAt", { transaction });
  for (const name of Object.keys(CAMPAIGN_COLUMNS).reverse()) {
    await qi.removeColumn("Campaigns", name, { transaction });
  }
}
