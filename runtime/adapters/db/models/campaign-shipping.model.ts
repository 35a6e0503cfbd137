// CampaignShipping: one recipient's send of a campaign; at most one row per (campaign, contact).
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type NonAttribute,
  type Sequelize,
} from "sequelize";
import type { Campaign } from "./campaign.model";
import { requiredId, serialId, timestamps } from "./columns";
import type { ContactListItem } from "./contact-list-item.model";

export class CampaignShipping extends Model<
  InferAttributes<CampaignShipping>,
  InferCreationAttributes<CampaignShipping>
> {
  declare id: CreationOptional<number>;
  /** Bull job id of the pending DispatchCampaign. */
  declare jobId: CreationOptional<string | null>;
  declare number: string;
  declare message: CreationOptional<string>;
  declare confirmationMessage: CreationOptional<string | null>;
  /** The recipient's answer to the confirmation request; null while unanswered. */
  declare confirmation: CreationOptional<boolean | null>;
  /** A ContactListItems id (not Contacts), as in the original. */
  declare contactId: number;
  declare campaignId: number;
  declare confirmationRequestedAt: CreationOptional<Date | null>;
  declare confirmedAt: CreationOptional<Date | null>;
  declare deliveredAt: CreationOptional<Date | null>;
  /** Set, with a reason, when this shipping will not be sent (so the campaign can finish). */
  declare failedAt: CreationOptional<Date | null>;
  declare failureReason: CreationOptional<string | null>;
  /** When its DispatchCampaign is due (the campaign's pacing). */
  declare dueAt: CreationOptional<Date | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  declare contact?: NonAttribute<ContactListItem>;
  declare campaign?: NonAttribute<Campaign>;
}

export function initCampaignShipping(sequelize: Sequelize): typeof CampaignShipping {
  CampaignShipping.init(
    {
      id: serialId(),
      jobId: { type: DataTypes.STRING, allowNull: true },
      number: { type: DataTypes.STRING, allowNull: false },
      message: { type: DataTypes.TEXT, allowNull: false, defaultValue: "" },
      confirmationMessage: { type: DataTypes.TEXT, allowNull: true },
      confirmation: { type: DataTypes.BOOLEAN, allowNull: true },
      contactId: requiredId(),
      campaignId: requiredId(),
      confirmationRequestedAt: { type: DataTypes.DATE, allowNull: true },
      confirmedAt: { type: DataTypes.DATE, allowNull: true },
      deliveredAt: { type: DataTypes.DATE, allowNull: true },
      failedAt: { type: DataTypes.DATE, allowNull: true },
      failureReason: { type: DataTypes.TEXT, allowNull: true },
      dueAt: { type: DataTypes.DATE, allowNull: true },
      ...timestamps(),
    },
    { sequelize, tableName: "CampaignShipping", modelName: "CampaignShipping" },
  );
  return CampaignShipping;
}
