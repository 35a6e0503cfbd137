// 010-schedule-error-reason: why a scheduled message is ERRO ("Schedules"."errorReason"): the
// error of its last send attempt, or that it went stale. Null for every other status.
import { DataTypes } from "sequelize";
import type { MigrationContext } from "./schema-helpers";

export async function up(ctx: MigrationContext): Promise<void> {
  await ctx.queryInterface.addColumn(
    "Schedules",
    "errorReason",
    { type: DataTypes.TEXT, allowNull: true },
    { transaction: ctx.transaction },
  );
}

export async function down(ctx: MigrationContext): Promise<void> {
  await ctx.queryInterface.removeColumn("Schedules", "errorReason", {
    transaction: ctx.transaction,
  });
}
