// Whatsapps: a company's WhatsApp connections. Soft-deleted (paranoid): a deleted connection keeps
// its row with `deletedAt` set, so tickets and messages keep their history and session
// housekeeping can find connections whose stored auth state must go.
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type NonAttribute,
  type Sequelize,
} from "sequelize";
import { optionalId, requiredId, serialId, timestamps } from "./columns";
import {
  type Switch,
  WHATSAPP_PROVIDERS,
  WHATSAPP_STATUSES,
  type WhatsappProvider,
  type WhatsappStatus,
} from "./enums";
import type { Queue } from "./queue.model";

export class Whatsapp extends Model<InferAttributes<Whatsapp>, InferCreationAttributes<Whatsapp>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare session: CreationOptional<string | null>;
  declare qrcode: CreationOptional<string | null>;
  declare status: CreationOptional<WhatsappStatus>;
  declare retries: CreationOptional<number>;
  /** At most one live default connection per company (partial unique index). */
  declare isDefault: CreationOptional<boolean>;
  declare greetingMessage: CreationOptional<string | null>;
  declare farewellMessage: CreationOptional<string | null>;
  declare companyId: number;
  /** Hours an open ticket may stay idle before CloseInactiveTickets closes it; 0 never. */
  declare expiresTicket: CreationOptional<number>;
  /** Sent to the contact when a ticket is closed for inactivity; null sends nothing. */
  declare expiresInactiveMessage: CreationOptional<string | null>;
  /** Minutes a pending ticket without queue may wait before moving to `sendIdQueue`; 0 never. */
  declare timeSendQueue: CreationOptional<number>;
  declare sendIdQueue: CreationOptional<number | null>;
  declare groupAsTicket: CreationOptional<Switch>;
  declare provider: CreationOptional<WhatsappProvider>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  /** Set when the connection is deleted; default scopes hide such rows. */
  declare deletedAt: CreationOptional<Date | null>;

  declare sendQueue?: NonAttribute<Queue | null>;
}

export function initWhatsapp(sequelize: Sequelize): typeof Whatsapp {
  Whatsapp.init(
    {
      id: serialId(),
      name: { type: DataTypes.STRING, allowNull: false },
      session: { type: DataTypes.TEXT, allowNull: true },
      qrcode: { type: DataTypes.TEXT, allowNull: true },
      status: {
        type: DataTypes.STRING,
        allowNull: false,
        defaultValue: "DISCONNECTED",
        validate: { isIn: [WHATSAPP_STATUSES] },
      },
      retries: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      isDefault: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      greetingMessage: { type: DataTypes.TEXT, allowNull: true },
      farewellMessage: { type: DataTypes.TEXT, allowNull: true },
      companyId: requiredId(),
      expiresTicket: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      expiresInactiveMessage: { type: DataTypes.TEXT, allowNull: true },
      timeSendQueue: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      sendIdQueue: optionalId(),
      groupAsTicket: { type: DataTypes.STRING, allowNull: false, defaultValue: "disabled" },
      provider: {
        type: DataTypes.STRING,
        allowNull: false,
        defaultValue: "simulated",
        validate: { isIn: [WHATSAPP_PROVIDERS] },
      },
      ...timestamps(),
      deletedAt: { type: DataTypes.DATE, allowNull: true },
    },
    { sequelize, tableName: "Whatsapps", modelName: "Whatsapp", paranoid: true },
  );
  return Whatsapp;
}
