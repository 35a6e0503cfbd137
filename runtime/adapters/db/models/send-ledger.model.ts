// SendLedger: one row per outgoing WhatsApp message, keyed by the send's idempotency key; what
// lets a retried job know whether its message already went out (see repositories/message-store.ts).
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type NonAttribute,
  type Sequelize,
} from "sequelize";
import { optionalId, optionalText, requiredId, timestamps } from "./columns";
import { SEND_LEDGER_STATUSES, type SendLedgerStatus } from "./enums";
import type { Message } from "./message.model";

export class SendLedger extends Model<
  InferAttributes<SendLedger>,
  InferCreationAttributes<SendLedger>
> {
  /** The idempotency key, e.g. `MessageQueue:<bull job id>`. */
  declare key: string;
  declare companyId: number;
  declare whatsappId: number | null;
  declare jid: string;
  declare status: CreationOptional<SendLedgerStatus>;
  /** WhatsApp's message id, once WhatsApp accepted the message. */
  declare wid: CreationOptional<string | null>;
  declare sentAt: CreationOptional<Date | null>;
  /** The Messages row recorded for the send (none when the send asked not to record). */
  declare messageId: CreationOptional<number | null>;
  /** The last attempt's error, `CODE: message`. */
  declare error: CreationOptional<string | null>;
  /** The attempt holding a `sending` key: host, pid, claim number (migration 015). */
  declare claimedBy: CreationOptional<string | null>;
  /** The holder's last sign of life; null once it let go in doubt. */
  declare aliveAt: CreationOptional<Date | null>;
  /** Whether the holder handed the message to WhatsApp (null: rows older than 015). */
  declare handedOver: CreationOptional<boolean | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  declare message?: NonAttribute<Message | null>;
}

export function initSendLedger(sequelize: Sequelize): typeof SendLedger {
  SendLedger.init(
    {
      key: { type: DataTypes.TEXT, allowNull: false, primaryKey: true },
      companyId: requiredId(),
      whatsappId: optionalId(),
      jid: { type: DataTypes.STRING, allowNull: false },
      status: {
        type: DataTypes.STRING,
        allowNull: false,
        defaultValue: "sending",
        validate: { isIn: [SEND_LEDGER_STATUSES] },
      },
      wid: { type: DataTypes.STRING, allowNull: true },
      sentAt: { type: DataTypes.DATE, allowNull: true },
      messageId: optionalId(),
      error: optionalText(),
      claimedBy: optionalText(),
      aliveAt: { type: DataTypes.DATE, allowNull: true },
      handedOver: { type: DataTypes.BOOLEAN, allowNull: true },
      ...timestamps(),
    },
    { sequelize, tableName: "SendLedger", modelName: "SendLedger" },
  );
  return SendLedger;
}
