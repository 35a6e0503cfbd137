// CompaniesSettings: one row of on/off switches per company ("enabled" / "disabled").
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from "sequelize";
import { serialId, switchColumn, timestamps } from "./columns";
import type { Switch } from "./enums";

export class CompaniesSetting extends Model<
  InferAttributes<CompaniesSetting>,
  InferCreationAttributes<CompaniesSetting>
> {
  declare id: CreationOptional<number>;
  declare companyId: number;
  /** Tell the contact "we are finding an attendant" when DistributeTickets assigns a ticket. */
  declare sendGreetingMessageOneQueues: CreationOptional<Switch>;
  declare userRandom: CreationOptional<Switch>;
  declare sendSignMessage: CreationOptional<Switch>;
  declare CheckMsgIsGroup: CreationOptional<Switch>;
  declare acceptCallWhatsapp: CreationOptional<Switch>;
  declare scheduleType: CreationOptional<string>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export function initCompaniesSetting(sequelize: Sequelize): typeof CompaniesSetting {
  CompaniesSetting.init(
    {
      id: serialId(),
      companyId: { type: DataTypes.INTEGER, allowNull: false, unique: true },
      sendGreetingMessageOneQueues: switchColumn("disabled"),
      userRandom: switchColumn("disabled"),
      sendSignMessage: switchColumn("enabled"),
      CheckMsgIsGroup: switchColumn("enabled"),
      acceptCallWhatsapp: switchColumn("enabled"),
      scheduleType: switchColumn("disabled"),
      ...timestamps(),
    },
    { sequelize, tableName: "CompaniesSettings", modelName: "CompaniesSetting" },
  );
  return CompaniesSetting;
}
