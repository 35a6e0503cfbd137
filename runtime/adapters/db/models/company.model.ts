// Companies: the tenants. Every other row belongs to exactly one company.
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type NonAttribute,
  type Sequelize,
} from "sequelize";
import { optionalId, serialId, timestamps } from "./columns";
import type { Plan } from "./plan.model";
import type { Queue } from "./queue.model";
import type { User } from "./user.model";
import type { Whatsapp } from "./whatsapp.model";

export const DEFAULT_TIMEZONE = "America/Sao_Paulo";

export class Company extends Model<InferAttributes<Company>, InferCreationAttributes<Company>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare phone: CreationOptional<string | null>;
  declare email: CreationOptional<string | null>;
  /** Active company: only active ones are served by the monitoring crons. */
  declare status: CreationOptional<boolean>;
  /** Next payment date, "YYYY-MM-DD" (DATEONLY). */
  declare dueDate: CreationOptional<string | null>;
  declare recurrence: CreationOptional<string | null>;
  declare planId: CreationOptional<number | null>;
  /** IANA zone used for greetings ("Bom dia") and company-local schedules. */
  declare timezone: CreationOptional<string>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  declare plan?: NonAttribute<Plan | null>;
  declare whatsapps?: NonAttribute<Whatsapp[]>;
  declare queues?: NonAttribute<Queue[]>;
  declare users?: NonAttribute<User[]>;
}

export function initCompany(sequelize: Sequelize): typeof Company {
  Company.init(
    {
      id: serialId(),
      name: { type: DataTypes.STRING, allowNull: false, unique: true },
      phone: { type: DataTypes.STRING, allowNull: true },
      email: { type: DataTypes.STRING, allowNull: true },
      status: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      dueDate: { type: DataTypes.DATEONLY, allowNull: true },
      recurrence: { type: DataTypes.STRING, allowNull: true, defaultValue: "MENSAL" },
      planId: optionalId(),
      timezone: { type: DataTypes.STRING, allowNull: false, defaultValue: DEFAULT_TIMEZONE },
      ...timestamps(),
    },
    { sequelize, tableName: "Companies", modelName: "Company" },
  );
  return Company;
}
