// Campaigns: a bulk send of one of message1..5 to every item of a contact list.
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type NonAttribute,
  type Sequelize,
} from "sequelize";
import { optionalId, optionalText, requiredId, serialId, timestamps } from "./columns";
import type { ContactList } from "./contact-list.model";
import {
  CAMPAIGN_STATUSES,
  type CampaignStatus,
  type Switch,
  TICKET_STATUSES,
  type TicketStatus,
} from "./enums";
import type { Whatsapp } from "./whatsapp.model";

type Text = CreationOptional<string | null>;

export class Campaign extends Model<InferAttributes<Campaign>, InferCreationAttributes<Campaign>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare status: CreationOptional<CampaignStatus>;
  /** Ask each recipient to confirm before sending the message proper. */
  declare confirmation: CreationOptional<boolean>;
  declare scheduledAt: CreationOptional<Date | null>;
  declare completedAt: CreationOptional<Date | null>;
  /** Candidate texts; each recipient gets one at random, variables ({nome}, …) filled in. */
  declare message1: Text;
  declare message2: Text;
  declare message3: Text;
  declare message4: Text;
  declare message5: Text;
  declare confirmationMessage1: Text;
  declare confirmationMessage2: Text;
  declare confirmationMessage3: Text;
  declare confirmationMessage4: Text;
  declare confirmationMessage5: Text;
  declare mediaPath: Text;
  declare mediaName: Text;
  declare companyId: number;
  declare contactListId: CreationOptional<number | null>;
  declare whatsappId: CreationOptional<number | null>;
  declare userId: CreationOptional<number | null>;
  declare queueId: CreationOptional<number | null>;
  declare openTicket: CreationOptional<Switch>;
  declare statusTicket: CreationOptional<TicketStatus>;
  /** The list's items when ProcessCampaign started (the live count is in CampaignProgress); 0 once FINALIZADA. */
  declare shippingsLeft: CreationOptional<number | null>;
  /** The list's highest item id when ProcessCampaign started: items added later are not sent. */
  declare lastItemId: CreationOptional<number | null>;
  /** The instant the pacing counts from (scheduledAt, or the start when that was later). */
  declare pacedFrom: CreationOptional<Date | null>;
  /** When every contact's PrepareContact job had been enqueued. */
  declare expandedAt: CreationOptional<Date | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  declare contactList?: NonAttribute<ContactList | null>;
  declare whatsapp?: NonAttribute<Whatsapp | null>;
}

export function initCampaign(sequelize: Sequelize): typeof Campaign {
  Campaign.init(
    {
      id: serialId(),
      name: { type: DataTypes.STRING, allowNull: false },
      status: {
        type: DataTypes.STRING,
        allowNull: false,
        defaultValue: "INATIVA",
        validate: { isIn: [CAMPAIGN_STATUSES] },
      },
      confirmation: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      scheduledAt: { type: DataTypes.DATE, allowNull: true },
      completedAt: { type: DataTypes.DATE, allowNull: true },
      message1: optionalText(),
      message2: optionalText(),
      message3: optionalText(),
      message4: optionalText(),
      message5: optionalText(),
      confirmationMessage1: optionalText(),
      confirmationMessage2: optionalText(),
      confirmationMessage3: optionalText(),
      confirmationMessage4: optionalText(),
      confirmationMessage5: optionalText(),
      mediaPath: optionalText(),
      mediaName: optionalText(),
      companyId: requiredId(),
      contactListId: optionalId(),
      whatsappId: optionalId(),
      userId: optionalId(),
      queueId: optionalId(),
      openTicket: { type: DataTypes.STRING, allowNull: false, defaultValue: "disabled" },
      statusTicket: {
        type: DataTypes.STRING,
        allowNull: false,
        defaultValue: "closed",
        validate: { isIn: [TICKET_STATUSES] },
      },
      shippingsLeft: { type: DataTypes.INTEGER, allowNull: true },
      lastItemId: { type: DataTypes.INTEGER, allowNull: true },
      pacedFrom: { type: DataTypes.DATE, allowNull: true },
      expandedAt: { type: DataTypes.DATE, allowNull: true },
      ...timestamps(),
    },
    { sequelize, tableName: "Campaigns", modelName: "Campaign" },
  );
  return Campaign;
}
