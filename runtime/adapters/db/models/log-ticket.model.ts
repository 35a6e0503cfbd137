// LogTickets: the audit trail of a ticket (opened, redirected to a queue, closed, …).
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from "sequelize";
import { optionalId, requiredId, serialId, timestamps } from "./columns";

export class LogTicket extends Model<
  InferAttributes<LogTicket>,
  InferCreationAttributes<LogTicket>
> {
  declare id: CreationOptional<number>;
  /** What happened, as the original names it: "redirect", "open", "closed", "transfered", … */
  declare type: string;
  declare userId: CreationOptional<number | null>;
  declare ticketId: number;
  declare queueId: CreationOptional<number | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export function initLogTicket(sequelize: Sequelize): typeof LogTicket {
  LogTicket.init(
    {
      id: serialId(),
      type: { type: DataTypes.STRING, allowNull: false },
      userId: optionalId(),
      ticketId: requiredId(),
      queueId: optionalId(),
      ...timestamps(),
    },
    { sequelize, tableName: "LogTickets", modelName: "LogTicket" },
  );
  return LogTicket;
}
