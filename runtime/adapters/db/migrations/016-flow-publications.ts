// 016-flow-publications: the newest flow set the api published, by its Redis key (one row per
// deployment sharing the database). Workers refuse an older set found in Redis (a replay), even
// when they have just started and seen none yet.
import { DataTypes, fn } from "sequelize";
import { dropTables, type MigrationContext } from "./schema-helpers";

export async function up(ctx: MigrationContext): Promise<void> {
  await ctx.queryInterface.createTable(
    "FlowPublications",
    {
      /** The Redis key the flows are published under (`<prefix>:chatia:flows`). */
      key: { type: DataTypes.TEXT, primaryKey: true },
      /** The publish's signed sequence number (the api's clock in ms, or one more than the last). */
      seq: { type: DataTypes.BIGINT, allowNull: false },
      publishedAt: { type: DataTypes.DATE, allowNull: false, defaultValue: fn("now") },
    },
    { transaction: ctx.transaction },
  );
}

export async function down(ctx: MigrationContext): Promise<void> {
  await dropTables(ctx, ["FlowPublications"]);
}
