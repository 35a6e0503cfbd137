// Schedules: messages to send to a contact at `sendAt`, once or recurring.
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
import {
  SCHEDULE_STATUSES,
  type ScheduleStatus,
  type Switch,
  TICKET_STATUSES,
  type TicketStatus,
} from "./enums";
import type { Queue } from "./queue.model";
import type { User } from "./user.model";
import type { Whatsapp } from "./whatsapp.model";

export class Schedule extends Model<InferAttributes<Schedule>, InferCreationAttributes<Schedule>> {
  declare id: CreationOptional<number>;
  declare body: string;
  /** When the next occurrence is due. */
  declare sendAt: Date;
  /** When the last occurrence was sent (set with ENVIADA). */
  declare sentAt: CreationOptional<Date | null>;
  declare status: CreationOptional<ScheduleStatus>;
  declare contactId: number;
  declare ticketId: CreationOptional<number | null>;
  /** Author; a signed (`assinar`) message is prefixed with this user's name. */
  declare userId: CreationOptional<number | null>;
  declare companyId: number;
  /** Attendant given the ticket opened by the send (with openTicket "enabled"). */
  declare ticketUserId: CreationOptional<number | null>;
  declare queueId: CreationOptional<number | null>;
  declare whatsappId: CreationOptional<number | null>;
  declare openTicket: CreationOptional<Switch>;
  declare statusTicket: CreationOptional<TicketStatus>;
  declare mediaPath: CreationOptional<string | null>;
  declare mediaName: CreationOptional<string | null>;
  declare assinar: CreationOptional<boolean>;
  /** Unit of recurrence: 1 days, 2 weeks, 3 calendar months, 4 minutes. */
  declare intervalo: CreationOptional<number>;
  /** Units between occurrences; 0 means a one-off schedule. */
  declare valorIntervalo: CreationOptional<number>;
  declare enviarQuantasVezes: CreationOptional<number>;
  declare contadorEnvio: CreationOptional<number>;
  /** Why the schedule is ERRO (its last send's error, or staleness); null otherwise. */
  declare errorReason: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  declare contact?: NonAttribute<Contact>;
  declare user?: NonAttribute<User | null>;
  declare ticketUser?: NonAttribute<User | null>;
  declare whatsapp?: NonAttribute<Whatsapp | null>;
  declare queue?: NonAttribute<Queue | null>;
}

export function initSchedule(sequelize: Sequelize): typeof Schedule {
  Schedule.init(
    {
      id: serialId(),
      body: { type: DataTypes.TEXT, allowNull: false },
      sendAt: { type: DataTypes.DATE, allowNull: false },
      sentAt: { type: DataTypes.DATE, allowNull: true },
      status: {
        type: DataTypes.STRING,
        allowNull: false,
        defaultValue: "PENDENTE",
        validate: { isIn: [SCHEDULE_STATUSES] },
      },
      contactId: requiredId(),
      ticketId: optionalId(),
      userId: optionalId(),
      companyId: requiredId(),
      ticketUserId: optionalId(),
      queueId: optionalId(),
      whatsappId: optionalId(),
      openTicket: { type: DataTypes.STRING, allowNull: false, defaultValue: "disabled" },
      statusTicket: {
        type: DataTypes.STRING,
        allowNull: false,
        defaultValue: "closed",
        validate: { isIn: [TICKET_STATUSES] },
      },
      mediaPath: { type: DataTypes.TEXT, allowNull: true },
      mediaName: { type: DataTypes.TEXT, allowNull: true },
      assinar: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      intervalo: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
      valorIntervalo: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      enviarQuantasVezes: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
      contadorEnvio: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      errorReason: { type: DataTypes.TEXT, allowNull: true },
      ...timestamps(),
    },
    { sequelize, tableName: "Schedules", modelName: "Schedule" },
  );
  return Schedule;
}
