// Users: admins and attendants of a company; `super` users administer every company.
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
import type { Company } from "./company.model";
import { USER_PROFILES, type UserProfile } from "./enums";
import type { Queue } from "./queue.model";

export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: CreationOptional<number>;
  declare name: string;
  /** Login name, unique across all companies. */
  declare email: string;
  declare passwordHash: string;
  /** Only `user` profiles receive tickets from the automatic distribution. */
  declare profile: CreationOptional<UserProfile>;
  /** True while the user's client keeps updating `updatedAt`; UserMonitor clears it after 5 min. */
  declare online: CreationOptional<boolean>;
  declare super: CreationOptional<boolean>;
  declare companyId: number;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  declare company?: NonAttribute<Company>;
  declare queues?: NonAttribute<Queue[]>;
}

export function initUser(sequelize: Sequelize): typeof User {
  User.init(
    {
      id: serialId(),
      name: { type: DataTypes.STRING, allowNull: false },
      email: { type: DataTypes.STRING, allowNull: false, unique: true },
      passwordHash: { type: DataTypes.STRING, allowNull: false },
      profile: {
        type: DataTypes.STRING,
        allowNull: false,
        defaultValue: "user",
        validate: { isIn: [USER_PROFILES] },
      },
      online: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      super: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      companyId: requiredId(),
      ...timestamps(),
    },
    { sequelize, tableName: "Users", modelName: "User" },
  );
  return User;
}
