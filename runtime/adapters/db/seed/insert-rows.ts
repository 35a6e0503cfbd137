// Rows written with plain SQL, for the demo seed and the tests' fixtures. The columns are the
// migrations' own (nothing here repeats them): a misspelt column is Postgres's error, naming it;
// a column left out takes the default the migration gave it.
import type { Sequelize, Transaction } from "sequelize";
import { selectRows } from "../repositories/rows";

/** The tables rows are written to. */
export type Table =
  | "Plans"
  | "Companies"
  | "CompaniesSettings"
  | "CampaignSettings"
  | "Users"
  | "Queues"
  | "UserQueues"
  | "Whatsapps"
  | "Contacts"
  | "Tickets"
  | "Messages"
  | "LogTickets"
  | "Tags"
  | "TicketTags"
  | "Schedules"
  | "ContactLists"
  | "ContactListItems"
  | "Campaigns"
  | "CampaignShipping"
  | "Invoices"
  | "SendLedger";

export type SqlValue = string | number | boolean | Date | null;

/** Column → value; an undefined value is left out (the column's default applies). */
export type RowValues = Readonly<Record<string, SqlValue | undefined>>;

/** A row as Postgres returns it. Every table but the join tables and SendLedger has an `id`. */
export type Row = { readonly id: number } & Readonly<Record<string, unknown>>;

/** `"name"`, for a table or column name written in code (never for input). */
export function quoteName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(`not a table or column name: ${JSON.stringify(name)}`);
  }
  return `"${name}"`;
}

/**
 * Inserts `rows` into `table` in one statement and returns them as stored (every column, defaults
 * filled in), in the order given. Rows may name different columns: the ones a row leaves out
 * take their DEFAULT.
 */
export async function insertRows<T extends object = Row>(
  sequelize: Sequelize,
  table: Table,
  rows: readonly RowValues[],
  transaction?: Transaction,
): Promise<T[]> {
  if (rows.length === 0) return [];
  const columns = [
    ...new Set(rows.flatMap((row) => Object.keys(row).filter((k) => row[k] !== undefined))),
  ];
  if (columns.length === 0) throw new Error(`insertRows(${table}): a row names no column`);
  const bind: unknown[] = [];
  const tuples = rows.map((row) => {
    const values = columns.map((column) => {
      const value = row[column];
      if (value === undefined) return "DEFAULT";
      bind.push(value);
      return `$${bind.length}`;
    });
    return `(${values.join(", ")})`;
  });
  const sql = `INSERT INTO ${quoteName(table)} (${columns.map(quoteName).join(", ")})
               VALUES ${tuples.join(", ")} RETURNING *`;
  return selectRows<T>(sequelize, sql, bind, transaction);
}
