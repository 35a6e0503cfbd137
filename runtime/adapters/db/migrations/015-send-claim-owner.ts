// 015-send-claim-owner: a send claim knows its owner. `claimedBy` names the attempt holding a
// `sending` key (host, pid, claim number); `aliveAt` is that attempt's last sign of life (it
// refreshes it while it holds the claim, clears it when it lets go in doubt); `handedOver` says
// whether the message went to WhatsApp. A racing attempt waits for a live owner; a dead owner's
// claim is taken over when nothing was handed over, and is in doubt only when it was.
// Rows from before this migration have `handedOver` NULL: in doubt, as they were.
import { DataTypes } from "sequelize";
import type { MigrationContext } from "./schema-helpers";

const COLUMNS = {
  claimedBy: { type: DataTypes.TEXT, allowNull: true },
  aliveAt: { type: DataTypes.DATE, allowNull: true },
  handedOver: { type: DataTypes.BOOLEAN, allowNull: true },
} as const;

export async function up(ctx: MigrationContext): Promise<void> {
  const { queryInterface: qi, transaction } = ctx;
  for (const [name, column] of Object.entries(COLUMNS)) {
    await qi.addColumn("SendLedger", name, column, { transaction });
  }
}

export async function down(ctx: MigrationContext): Promise<void> {
  const { queryInterface: qi, transaction } = ctx;
  for (const name of Object.keys(COLUMNS).reverse()) {
    await qi.removeColumn("SendLedger", name, { transaction });
  }
}
