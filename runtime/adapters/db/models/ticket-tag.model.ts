// TicketTags: the tags (and so the kanban lane) of each ticket (join table, composite key).
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type NonAttribute,
  type Sequelize,
} from "sequelize";
import { timestamps } from "./columns";
import type { Tag } from "./tag.model";
import type { Ticket } from "./ticket.model";

export class TicketTag extends Model<
  InferAttributes<TicketTag>,
  InferCreationAttributes<TicketTag>
> {
  declare ticketId: number;
  declare tagId: number;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  declare ticket?: NonAttribute<Ticket>;
  declare tag?: NonAttribute<Tag>;
}

export function initTicketTag(sequelize: Sequelize): typeof TicketTag {
  TicketTag.init(
    {
      ticketId: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true },
      tagId: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true },
      ...timestamps(),
    },
    { sequelize, tableName: "TicketTags", modelName: "TicketTag" },
  );
  return TicketTag;
}
