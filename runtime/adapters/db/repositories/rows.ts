// What every store's raw SQL needs: rows of a parameterized statement (or of a named prepared
// one, for the statements run per message), and the row a statement must return.
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

/**
 * The rows of a statement run per message, as a named prepared statement on a pooled connection:
 * Postgres parses and plans it once per connection instead of on every call, and Sequelize's
 * query building is skipped. Its `afterQuery` hooks see it like any other statement. `name`
 * must be unique to `sql` (a connection keeps the first text it prepared under a name).
 */
export async function preparedRows<T extends object>(
  sequelize: Sequelize,
  name: string,
  sql: string,
  bind: unknown[],
): Promise<T[]> {
  const hooks = sequelize as unknown as {
    runHooks(type: "afterQuery", options: object, query: { sql: string }): Promise<void>;
  };
  const manager = sequelize.connectionManager;
  const connection = (await manager.getConnection({ type: "write" })) as unknown as {
    query(q: { name: string; text: string; values: unknown[] }): Promise<{ rows: T[] }>;
  };
  let rows: T[];
  try {
    rows = (await connection.query({ name, text: sql, values: bind })).rows;
  } finally {
    manager.releaseConnection(connection as never);
  }
  await hooks.runHooks("afterQuery", { type: "SELECT", bind }, { sql });
  return rows;
}
