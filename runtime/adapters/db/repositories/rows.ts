// What every store's raw SQL needs: rows of a parameterized statement, and the row a statement
// must return.
import { QueryTypes, type Sequelize, type Transaction } from "sequelize";

/** The rows of `sql` (a SELECT, or a write with RETURNING), values bound as `$n`. */
export function selectRows<T extends object>(
  sequelize: Sequelize,
  sql: string,
  bind: unknown[],
  transaction?: Transaction,
): Promise<T[]> {
  return sequelize.query<T>(sql, {
    bind,
    type: QueryTypes.SELECT,
    transaction: transaction ?? null,
  });
}

/** The row a statement is bound to return (an INSERT … RETURNING); none is a bug. */
export function requireRow<T>(row: T | undefined): T {
  if (row === undefined) throw new Error("expected a row from Postgres, got none");
  return row;
}
