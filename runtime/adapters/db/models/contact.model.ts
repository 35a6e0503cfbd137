// Contacts: the people and groups a company talks to; a number is unique within a company.
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from "sequelize";
import { optionalId, requiredId, serialId, timestamps } from "./columns";

export class Contact extends Model<InferAttributes<Contact>, InferCreationAttributes<Contact>> {
  declare id: CreationOptional<number>;
  declare name: string;
  /** Digits only (e.g. "5511987654321"); a group's id for groups. */
  declare number: string;
  declare email: CreationOptional<string>;
  declare profilePicUrl: CreationOptional<string | null>;
  declare urlPicture: CreationOptional<string | null>;
  /** Groups are addressed as `<number>@g.us`, others as `<number>@s.whatsapp.net`. */
  declare isGroup: CreationOptional<boolean>;
  declare active: CreationOptional<boolean>;
  declare disableBot: CreationOptional<boolean>;
  declare acceptAudioMessage: CreationOptional<boolean>;
  declare lgpdAcceptedAt: CreationOptional<Date | null>;
  declare companyId: number;
  declare whatsappId: CreationOptional<number | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export function initContact(sequelize: Sequelize): typeof Contact {
  Contact.init(
    {
      id: serialId(),
      name: { type: DataTypes.STRING, allowNull: false },
      number: { type: DataTypes.STRING, allowNull: false },
      email: { type: DataTypes.STRING, allowNull: false, defaultValue: "" },
      profilePicUrl: { type: DataTypes.STRING, allowNull: true },
      urlPicture: { type: DataTypes.STRING, allowNull: true },
      isGroup: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      disableBot: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      acceptAudioMessage: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      lgpdAcceptedAt: { type: DataTypes.DATE, allowNull: true },
      companyId: requiredId(),
      whatsappId: optionalId(),
      ...timestamps(),
    },
    { sequelize, tableName: "Contacts", modelName: "Contact" },
  );
  return Contact;
}
