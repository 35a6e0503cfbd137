// CampaignSettings: per-company campaign pacing and variables, one key/value row each. Values are
// JSON text as in the original (messageInterval "20", variables "[]"); intervals are in seconds.
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from "sequelize";
import { requiredId, serialId, timestamps } from "./columns";

export class CampaignSetting extends Model<
  InferAttributes<CampaignSetting>,
  InferCreationAttributes<CampaignSetting>
> {
  declare id: CreationOptional<number>;
  declare key: string;
  declare value: CreationOptional<string | null>;
  declare companyId: number;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export function initCampaignSetting(sequelize: Sequelize): typeof CampaignSetting {
  CampaignSetting.init(
    {
      id: serialId(),
      key: { type: DataTypes.STRING, allowNull: false },
      value: { type: DataTypes.TEXT, allowNull: true },
      companyId: requiredId(),
      ...timestamps(),
    },
    { sequelize, tableName: "CampaignSettings", modelName: "CampaignSetting" },
  );
  return CampaignSetting;
}
