// UserQueues: which attendants work which queue (join table, composite key).
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from "sequelize";
import { timestamps } from "./columns";

export class UserQueue extends Model<
  InferAttributes<UserQueue>,
  InferCreationAttributes<UserQueue>
> {
  declare userId: number;
  declare queueId: number;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export function initUserQueue(sequelize: Sequelize): typeof UserQueue {
  UserQueue.init(
    {
      userId: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true },
      queueId: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true },
      ...timestamps(),
    },
    { sequelize, tableName: "UserQueues", modelName: "UserQueue" },
  );
  return UserQueue;
}
