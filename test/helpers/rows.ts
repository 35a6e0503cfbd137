// The tests' fixture rows, written and read with plain SQL on the migrated schema (the insert is
// the demo seed's own, insertRows). A condition is column → value: null means IS NULL, an array
// "one of", undefined no row at all (an id not there yet). update() stamps updatedAt with now()
// unless told otherwise, as every writer does.
import type { Sequelize } from "sequelize";
import { selectRows } from "../../runtime/adapters/db/repositories/rows";
import {
  insertRows,
  quoteName,
  type Row,
  type RowValues,
  type SqlValue,
  type Table,
} from "../../runtime/adapters/db/seed/insert-rows";

export type { Row, RowValues, Table };

export type Where = Readonly<Record<string, SqlValue | readonly SqlValue[] | undefined>>;

export interface TestRows {
  /** Inserts one row; returns it as stored. */
  insert<T extends object = Row>(table: Table, values: RowValues): Promise<T & Row>;
  /** Inserts rows in one statement; returns them as stored, in order. */
  insertMany<T extends object = Row>(
    table: Table,
    values: readonly RowValues[],
  ): Promise<(T & Row)[]>;
  /** The rows matching `where`, ordered by `orderBy` when given ("column" or "column DESC"). */
  find<T extends object = Row>(
    table: Table,
    where?: Where,
    orderBy?: string[],
  ): Promise<(T & Row)[]>;
  /** One row matching `where`, or null. */
  findOne<T extends object = Row>(table: Table, where: Where): Promise<(T & Row) | null>;
  /** The row matching `where`; throws when there is none. */
  get<T extends object = Row>(table: Table, where: Where): Promise<T & Row>;
  count(table: Table, where?: Where): Promise<number>;
  /** Sets `values` on the rows matching `where`; returns how many. */
  update(table: Table, values: RowValues, where: Where): Promise<number>;
  /** Deletes the rows matching `where`; returns how many. */
  remove(table: Table, where: Where): Promise<number>;
}

function whereSql(where: Where, bind: unknown[]): string {
  const terms = Object.entries(where).map(([column, value]) => {
    const name = quoteName(column);
    if (value === null) return `${name} IS NULL`;
    if (value === undefined) return "FALSE";
    bind.push(value);
    return Array.isArray(value) ? `${name} = ANY($${bind.length})` : `${name} = $${bind.length}`;
  });
  return terms.length === 0 ? "TRUE" : terms.join(" AND ");
}

function orderTerm(term: string): string {
  const [column = "", direction = "ASC"] = term.split(" ");
  if (direction !== "ASC" && direction !== "DESC") throw new Error(`bad order term: ${term}`);
  return `${quoteName(column)} ${direction}`;
}

export function testRows(sequelize: Sequelize): TestRows {
  const select = <T extends object>(sql: string, bind: unknown[]) =>
    selectRows<T>(sequelize, sql, bind);
  const find = <T extends object>(table: Table, where: Where = {}, orderBy: string[] = []) => {
    const bind: unknown[] = [];
    const order = orderBy.length === 0 ? "" : ` ORDER BY ${orderBy.map(orderTerm).join(", ")}`;
    return select<T & Row>(
      `SELECT * FROM ${quoteName(table)} WHERE ${whereSql(where, bind)}${order}`,
      bind,
    );
  };
  const findOne = async <T extends object>(table: Table, where: Where) => {
    const bind: unknown[] = [];
    const sql = `SELECT * FROM ${quoteName(table)} WHERE ${whereSql(where, bind)} LIMIT 1`;
    const [row] = await select<T & Row>(sql, bind);
    return row ?? null;
  };
  return {
    async insert<T extends object>(table: Table, values: RowValues) {
      const [row] = await insertRows<T & Row>(sequelize, table, [values]);
      if (row === undefined) throw new Error(`no row returned inserting into ${table}`);
      return row;
    },
    insertMany: <T extends object>(table: Table, values: readonly RowValues[]) =>
      insertRows<T & Row>(sequelize, table, values),
    find,
    findOne,
    async get<T extends object>(table: Table, where: Where) {
      const row = await findOne<T>(table, where);
      if (row === null) throw new Error(`no row in ${table} where ${JSON.stringify(where)}`);
      return row;
    },
    async count(table, where = {}) {
      const bind: unknown[] = [];
      const sql = `SELECT count(*)::int AS n FROM ${quoteName(table)} WHERE ${whereSql(where, bind)}`;
      const [row] = await select<{ n: number }>(sql, bind);
      return row?.n ?? 0;
    },
    async update(table, values, where) {
      const bind: unknown[] = [];
      const set = Object.entries({ updatedAt: new Date(), ...values })
        .filter(([, value]) => value !== undefined)
        .map(([column, value]) => {
          bind.push(value);
          return `${quoteName(column)} = $${bind.length}`;
        });
      const sql = `UPDATE ${quoteName(table)} SET ${set.join(", ")}
                   WHERE ${whereSql(where, bind)} RETURNING 1 AS updated`;
      return (await select(sql, bind)).length;
    },
    async remove(table, where) {
      const bind: unknown[] = [];
      const sql = `DELETE FROM ${quoteName(table)} WHERE ${whereSql(where, bind)} RETURNING 1 AS removed`;
      return (await select(sql, bind)).length;
    },
  };
}
