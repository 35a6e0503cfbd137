// Invoices: what a company owes for one due date; never two for the same company and date.
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
import { INVOICE_STATUSES, type InvoiceStatus } from "./enums";

export class Invoice extends Model<InferAttributes<Invoice>, InferCreationAttributes<Invoice>> {
  declare id: CreationOptional<number>;
  declare companyId: number;
  /** "YYYY-MM-DD" (DATEONLY). */
  declare dueDate: string;
  declare detail: CreationOptional<string>;
  declare status: CreationOptional<InvoiceStatus>;
  /** NUMERIC(10,2), read back as a decimal string. */
  declare value: string;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  declare company?: NonAttribute<Company>;
}

export function initInvoice(sequelize: Sequelize): typeof Invoice {
  Invoice.init(
    {
      id: serialId(),
      companyId: requiredId(),
      dueDate: { type: DataTypes.DATEONLY, allowNull: false },
      detail: { type: DataTypes.STRING, allowNull: false, defaultValue: "" },
      status: {
        type: DataTypes.STRING,
        allowNull: false,
        defaultValue: "open",
        validate: { isIn: [INVOICE_STATUSES] },
      },
      value: { type: DataTypes.DECIMAL(10, 2), allowNull: false },
      ...timestamps(),
    },
    { sequelize, tableName: "Invoices", modelName: "Invoice" },
  );
  return Invoice;
}
