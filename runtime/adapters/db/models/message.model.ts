// Messages: every message of a ticket, in and out, keyed by a serial id; `wid` is WhatsApp's id.
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
import type { Contact } from "./contact.model";
import type { Ticket } from "./ticket.model";

export class Message extends Model<InferAttributes<Message>, InferCreationAttributes<Message>> {
  declare id: CreationOptional<number>;
  declare wid: string;
  declare body: CreationOptional<string>;
  /** WhatsApp delivery state: 0 pending, 1 sent, 2 delivered, 3 read, 4 played. */
  declare ack: CreationOptional<number>;
  declare read: CreationOptional<boolean>;
  declare mediaType: CreationOptional<string | null>;
  declare mediaUrl: CreationOptional<string | null>;
  declare fromMe: CreationOptional<boolean>;
  declare isDeleted: CreationOptional<boolean>;
  declare remoteJid: CreationOptional<string | null>;
  declare ticketId: number;
  declare contactId: CreationOptional<number | null>;
  declare companyId: number;
  declare queueId: CreationOptional<number | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  declare ticket?: NonAttribute<Ticket>;
  declare contact?: NonAttribute<Contact | null>;
}

export function initMessage(sequelize: Sequelize): typeof Message {
  Message.init(
    {
      id: serialId(),
      wid: { type: DataTypes.STRING, allowNull: false },
      body: { type: DataTypes.TEXT, allowNull: false, defaultValue: "" },
      ack: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      read: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      mediaType: { type: DataTypes.STRING, allowNull: true },
      mediaUrl: { type: DataTypes.STRING, allowNull: true },
      fromMe: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      isDeleted: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      remoteJid: { type: DataTypes.STRING, allowNull: true },
      ticketId: requiredId(),
      contactId: optionalId(),
      companyId: requiredId(),
      queueId: optionalId(),
      ...timestamps(),
    },
    { sequelize, tableName: "Messages", modelName: "Message" },
  );
  return Message;
}
