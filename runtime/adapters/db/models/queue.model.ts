// Queues: departments of attendants a ticket waits in; optionally auto-routed (ativarRoteador).
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type NonAttribute,
  type Sequelize,
} from "sequelize";
import { requiredId, serialId, timestamps } from "./columns";
import type { User } from "./user.model";

export class Queue extends Model<InferAttributes<Queue>, InferCreationAttributes<Queue>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare color: string;
  declare greetingMessage: CreationOptional<string | null>;
  /** DistributeTickets assigns this queue's pending tickets to online attendants. */
  declare ativarRoteador: CreationOptional<boolean>;
  /** Minutes a routed ticket may stay idle before it is reassigned; 0 disables routing. */
  declare tempoRoteador: CreationOptional<number>;
  declare companyId: number;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  declare users?: NonAttribute<User[]>;
}

export function initQueue(sequelize: Sequelize): typeof Queue {
  Queue.init(
    {
      id: serialId(),
      name: { type: DataTypes.STRING, allowNull: false },
      color: { type: DataTypes.STRING, allowNull: false },
      greetingMessage: { type: DataTypes.TEXT, allowNull: true },
      ativarRoteador: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      tempoRoteador: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      companyId: requiredId(),
      ...timestamps(),
    },
    { sequelize, tableName: "Queues", modelName: "Queue" },
  );
  return Queue;
}
