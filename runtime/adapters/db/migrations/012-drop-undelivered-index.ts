// 012-drop-undelivered-index: "is anything of this campaign left?" is answered by the
// CampaignProgress shards (011) since then, so nothing reads campaign_shipping_undelivered_idx;
// it only cost an index entry on every delivered shipping.
import { addIndex, type MigrationContext } from "./schema-helpers";

/** The indexes an earlier migration created that this one drops. */
export const DROPPED_INDEXES: readonly string[] = ["campaign_shipping_undelivered_idx"];

export async function up(ctx: MigrationContext): Promise<void> {
  await ctx.queryInterface.removeIndex("CampaignShipping", "campaign_shipping_undelivered_idx", {
    transaction: ctx.transaction,
  });
}

export async function down(ctx: MigrationContext): Promise<void> {
  await addIndex(ctx, {
    table: "CampaignShipping",
    name: "campaign_shipping_undelivered_idx",
    fields: ["campaignId"],
    where: { deliveredAt: null },
  });
}
