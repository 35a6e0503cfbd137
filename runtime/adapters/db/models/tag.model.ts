// Tags: labels on tickets; a tag with `nextLaneId` and `timeLane` is also a kanban lane.
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type NonAttribute,
  type Sequelize,
} from "sequelize";
import { optionalId, requiredId, serialId, timestamps } from "./columns";

export class Tag extends Model<InferAttributes<Tag>, InferCreationAttributes<Tag>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare color: CreationOptional<string>;
  /** 1 when the tag is shown as a kanban column (an integer in the original). */
  declare kanban: CreationOptional<number>;
  /** Hours an open ticket stays in this lane before moving to `nextLaneId`; 0 never. */
  declare timeLane: CreationOptional<number>;
  declare nextLaneId: CreationOptional<number | null>;
  /** Sent (Mustache template) when a ticket enters this lane; null sends nothing. */
  declare greetingMessageLane: CreationOptional<string | null>;
  declare companyId: number;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  declare nextLane?: NonAttribute<Tag | null>;
}

export function initTag(sequelize: Sequelize): typeof Tag {
  Tag.init(
    {
      id: serialId(),
      name: { type: DataTypes.STRING, allowNull: false },
      color: { type: DataTypes.STRING, allowNull: false, defaultValue: "#5c59a0" },
      kanban: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      timeLane: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      nextLaneId: optionalId(),
      greetingMessageLane: { type: DataTypes.TEXT, allowNull: true },
      companyId: requiredId(),
      ...timestamps(),
    },
    { sequelize, tableName: "Tags", modelName: "Tag" },
  );
  return Tag;
}
