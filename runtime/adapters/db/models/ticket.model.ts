// Tickets: one conversation of a contact with the company, from pending to closed.
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
import type { Company } from "./company.model";
import type { Contact } from "./contact.model";
import { TICKET_STATUSES, type TicketStatus } from "./enums";
import type { Message } from "./message.model";
import type { Queue } from "./queue.model";
import type { Tag } from "./tag.model";
import type { User } from "./user.model";
import type { Whatsapp } from "./whatsapp.model";

export class Ticket extends Model<InferAttributes<Ticket>, InferCreationAttributes<Ticket>> {
  declare id: CreationOptional<number>;
  /** Public identifier the frontend routes by. */
  declare uuid: CreationOptional<string>;
  declare status: CreationOptional<TicketStatus>;
  declare lastMessage: CreationOptional<string>;
  declare unreadMessages: CreationOptional<number>;
  declare isGroup: CreationOptional<boolean>;
  /** True when the company sent the last message (kanban lanes only move such tickets). */
  declare fromMe: CreationOptional<boolean>;
  declare userId: CreationOptional<number | null>;
  declare contactId: number;
  declare whatsappId: CreationOptional<number | null>;
  declare queueId: CreationOptional<number | null>;
  declare companyId: number;
  declare closedAt: CreationOptional<Date | null>;
  declare createdAt: CreationOptional<Date>;
  /** Last activity: the idle timers of every ticket cron measure from here. */
  declare updatedAt: CreationOptional<Date>;

  declare contact?: NonAttribute<Contact>;
  declare queue?: NonAttribute<Queue | null>;
  declare whatsapp?: NonAttribute<Whatsapp | null>;
  declare user?: NonAttribute<User | null>;
  declare company?: NonAttribute<Company>;
  declare tags?: NonAttribute<Tag[]>;
  declare messages?: NonAttribute<Message[]>;
}

export function initTicket(sequelize: Sequelize): typeof Ticket {
  Ticket.init(
    {
      id: serialId(),
      uuid: {
        type: DataTypes.UUID,
        allowNull: false,
        unique: true,
        defaultValue: DataTypes.UUIDV4,
      },
      status: {
        type: DataTypes.STRING,
        allowNull: false,
        defaultValue: "pending",
        validate: { isIn: [TICKET_STATUSES] },
      },
      lastMessage: { type: DataTypes.TEXT, allowNull: false, defaultValue: "" },
      unreadMessages: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      isGroup: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      fromMe: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      userId: optionalId(),
      contactId: requiredId(),
      whatsappId: optionalId(),
      queueId: optionalId(),
      companyId: requiredId(),
      closedAt: { type: DataTypes.DATE, allowNull: true },
      ...timestamps(),
    },
    { sequelize, tableName: "Tickets", modelName: "Ticket" },
  );
  return Ticket;
}
