// 011-campaign-progress-shards: a running campaign's count of unsettled shippings, split in 16
// rows by contact-list item id. Every settled shipping decrements its row in the statement that
// settles it; 16 rows instead of one keep concurrent dispatches of one campaign from queueing on
// a single row lock, and "is anything left?" still reads 16 rows: O(1) per message.
import { DataTypes } from "sequelize";
import { dropTables, foreignKey, type MigrationContext } from "./schema-helpers";

export async function up(ctx: MigrationContext): Promise<void> {
  await ctx.queryInterface.createTable(
    "CampaignProgress",
    {
      campaignId: { ...foreignKey("Campaigns", "CASCADE"), primaryKey: true },
      /** ContactListItems.id % 16 of the shippings it counts. */
      shard: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true },
      /** Shippings of this shard not yet delivered or failed. */
      left: { type: DataTypes.INTEGER, allowNull: false },
    },
    { transaction: ctx.transaction },
  );
}

export async function down(ctx: MigrationContext): Promise<void> {
  await dropTables(ctx, ["CampaignProgress"]);
}
