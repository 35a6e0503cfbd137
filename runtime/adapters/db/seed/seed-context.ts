// What every demo-seed step shares: the connection, the transaction, the reference instant and
// the per-table count of rows created.
import type { Sequelize, Transaction } from "sequelize";
import { insertRows, type Row, type RowValues, type Table } from "./insert-rows";

export interface SeedContext {
  readonly sequelize: Sequelize;
  readonly transaction: Transaction;
  /** Every demo date is relative to this instant. */
  readonly now: Date;
  readonly created: Record<string, number>;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Inserts `rows` inside the seed's transaction, timestamps at `now` unless given, counted. */
export async function insert(
  ctx: SeedContext,
  table: Table,
  rows: readonly RowValues[],
): Promise<Row[]> {
  const stamped = rows.map((row) => ({ createdAt: ctx.now, updatedAt: ctx.now, ...row }));
  const created = await insertRows(ctx.sequelize, table, stamped, ctx.transaction);
  ctx.created[table] = (ctx.created[table] ?? 0) + created.length;
  return created;
}

/** Inserts one row and returns its id. */
export async function insertOne(ctx: SeedContext, table: Table, row: RowValues): Promise<number> {
  const [created] = await insert(ctx, table, [row]);
  if (created === undefined) throw new Error(`demo seed: no row returned for ${table}`);
  return created.id;
}

export function idsOf(rows: readonly { id: number }[]): number[] {
  return rows.map((row) => row.id);
}

/** list[index], which the seed's own fixed data guarantees to exist. */
export function nth<T>(list: readonly T[], index: number): T {
  const value = list[index];
  if (value === undefined) throw new RangeError(`demo seed: no element ${index}`);
  return value;
}

export function at(ctx: SeedContext, offsetMs: number): Date {
  return new Date(ctx.now.getTime() + offsetMs);
}
