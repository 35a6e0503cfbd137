// Plans: what a company pays for and which features it may use.
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from "sequelize";
import { serialId, timestamps } from "./columns";

export class Plan extends Model<InferAttributes<Plan>, InferCreationAttributes<Plan>> {
  declare id: CreationOptional<number>;
  declare name: string;
  /** Most users, connections and queues a company on this plan may have. */
  declare users: CreationOptional<number>;
  declare connections: CreationOptional<number>;
  declare queues: CreationOptional<number>;
  /** Monthly price; NUMERIC(10,2), read back as a decimal string (e.g. "199.90"). */
  declare amount: CreationOptional<string>;
  declare useKanban: CreationOptional<boolean>;
  declare useCampaigns: CreationOptional<boolean>;
  declare useSchedules: CreationOptional<boolean>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export function initPlan(sequelize: Sequelize): typeof Plan {
  Plan.init(
    {
      id: serialId(),
      name: { type: DataTypes.STRING, allowNull: false, unique: true },
      users: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      connections: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      queues: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      amount: { type: DataTypes.DECIMAL(10, 2), allowNull: false, defaultValue: "0" },
      useKanban: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      useCampaigns: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      useSchedules: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      ...timestamps(),
    },
    { sequelize, tableName: "Plans", modelName: "Plan" },
  );
  return Plan;
}
