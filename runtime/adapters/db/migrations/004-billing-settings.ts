// 004-billing-settings: Invoices (one per company and due date) and CompaniesSettings (one per company).
import { DataTypes } from "sequelize";
import {
  addCheckIn,
  addUnique,
  dropTables,
  foreignKey,
  type MigrationContext,
  serialId,
  timestamps,
} from "./schema-helpers";

const { STRING, DATEONLY, DECIMAL } = DataTypes;

export async function up(ctx: MigrationContext): Promise<void> {
  await createInvoices(ctx);
  await createCompaniesSettings(ctx);
}

export async function down(ctx: MigrationContext): Promise<void> {
  await dropTables(ctx, ["CompaniesSettings", "Invoices"]);
}

async function createInvoices(ctx: MigrationContext): Promise<void> {
  await ctx.queryInterface.createTable(
    "Invoices",
    {
      id: serialId(),
      companyId: foreignKey("Companies", "CASCADE"),
      dueDate: { type: DATEONLY, allowNull: false },
      detail: { type: STRING, allowNull: false, defaultValue: "" },
      status: { type: STRING, allowNull: false, defaultValue: "open" },
      value: { type: DECIMAL(10, 2), allowNull: false },
      ...timestamps(),
    },
    { transaction: ctx.transaction },
  );
  await addCheckIn(
    ctx,
    "Invoices",
    "status",
    ["open", "paid", "cancelled"],
    "invoices_status_check",
  );
  // CreateInvoices relies on this (INSERT … ON CONFLICT DO NOTHING), not on a read-then-write.
  await addUnique(ctx, "Invoices", ["companyId", "dueDate"], "invoices_company_due_date_key");
}

async function createCompaniesSettings(ctx: MigrationContext): Promise<void> {
  const off = () => ({ type: STRING, allowNull: false, defaultValue: "disabled" });
  const on = () => ({ type: STRING, allowNull: false, defaultValue: "enabled" });
  await ctx.queryInterface.createTable(
    "CompaniesSettings",
    {
      id: serialId(),
      companyId: foreignKey("Companies", "CASCADE"),
      sendGreetingMessageOneQueues: off(),
      userRandom: off(),
      sendSignMessage: on(),
      CheckMsgIsGroup: on(),
      acceptCallWhatsapp: on(),
      scheduleType: off(),
      ...timestamps(),
    },
    { transaction: ctx.transaction },
  );
  await addUnique(ctx, "CompaniesSettings", ["companyId"], "companies_settings_company_key");
}
