// ContactLists: named audiences a campaign is sent to.
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
import type { ContactListItem } from "./contact-list-item.model";

export class ContactList extends Model<
  InferAttributes<ContactList>,
  InferCreationAttributes<ContactList>
> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare companyId: number;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  declare contacts?: NonAttribute<ContactListItem[]>;
}

export function initContactList(sequelize: Sequelize): typeof ContactList {
  ContactList.init(
    {
      id: serialId(),
      name: { type: DataTypes.STRING, allowNull: false },
      companyId: requiredId(),
      ...timestamps(),
    },
    { sequelize, tableName: "ContactLists", modelName: "ContactList" },
  );
  return ContactList;
}
