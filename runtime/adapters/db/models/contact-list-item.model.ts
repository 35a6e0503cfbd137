// ContactListItems: one recipient of a contact list; a number appears once per list.
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
import type { ContactList } from "./contact-list.model";

export class ContactListItem extends Model<
  InferAttributes<ContactListItem>,
  InferCreationAttributes<ContactListItem>
> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare number: string;
  declare email: CreationOptional<string>;
  declare isWhatsappValid: CreationOptional<boolean>;
  declare isGroup: CreationOptional<boolean>;
  declare contactListId: number;
  declare companyId: number;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  declare contactList?: NonAttribute<ContactList>;
}

export function initContactListItem(sequelize: Sequelize): typeof ContactListItem {
  ContactListItem.init(
    {
      id: serialId(),
      name: { type: DataTypes.STRING, allowNull: false },
      number: { type: DataTypes.STRING, allowNull: false },
      email: { type: DataTypes.STRING, allowNull: false, defaultValue: "" },
      isWhatsappValid: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      isGroup: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      contactListId: requiredId(),
      companyId: requiredId(),
      ...timestamps(),
    },
    { sequelize, tableName: "ContactListItems", modelName: "ContactListItem" },
  );
  return ContactListItem;
}
