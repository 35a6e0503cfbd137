// 006-send-ledger: "SendLedger", one row per outgoing WhatsApp message, keyed by the send's
// idempotency key (e.g. `MessageQueue:<bull job id>`), so a retried or re-run job sends at most once.
// Not a table of the original ChatIA: it is what makes our sends safe to retry.
import { DataTypes } from "sequelize";
import {
  addCheckIn,
  addIndex,
  dropTables,
  foreignKey,
  type MigrationContext,
  timestamps,
} from "./schema-helpers";

const { TEXT, STRING, DATE } = DataTypes;

/** Mirrors SEND_LEDGER_STATUSES in services/ports/enums.ts. */
const STATUSES = ["sending", "sent", "failed"] as const;

export async function up(ctx: MigrationContext): Promise<void> {
  await ctx.queryInterface.createTable(
    "SendLedger",
    {
      key: { type: TEXT, allowNull: false, primaryKey: true },
      companyId: foreignKey("Companies", "CASCADE"),
      // SET NULL: a connection is normally soft-deleted; a hard delete must not erase what was sent.
      whatsappId: foreignKey("Whatsapps", "SET NULL"),
      jid: { type: STRING, allowNull: false },
      status: { type: STRING, allowNull: false, defaultValue: "sending" },
      /** WhatsApp's id of the message, once it accepted it. */
      wid: { type: STRING, allowNull: true },
      /** When WhatsApp accepted it (the result a retry reports). */
      sentAt: { type: DATE, allowNull: true },
      messageId: foreignKey("Messages", "SET NULL"),
      /** The last attempt's error, `CODE: message`. */
      error: { type: TEXT, allowNull: true },
      ...timestamps(),
    },
    { transaction: ctx.transaction },
  );
  await addCheckIn(ctx, "SendLedger", "status", STATUSES, "send_ledger_status_check");
  // Sends in doubt (claimed, never settled), for operators and a future reconcile step.
  await addIndex(ctx, {
    table: "SendLedger",
    name: "send_ledger_sending_idx",
    fields: ["updatedAt"],
    where: { status: "sending" },
  });
}

export async function down(ctx: MigrationContext): Promise<void> {
  await dropTables(ctx, ["SendLedger"]);
}
