// What every demo-seed step shares: the models, the transaction, the reference instant and the
// per-table count of rows created.
import type { CreationAttributes, Model, ModelStatic, Transaction } from "sequelize";
import type { DbModels } from "../models";

export interface SeedContext {
  readonly m: DbModels;
  readonly transaction: Transaction;
  /** Every demo date is relative to this instant. */
  readonly now: Date;
  readonly created: Record<string, number>;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** bulkCreate inside the seed's transaction, timestamps at `now` unless given, counted. */
export async function insert<M extends Model>(
  ctx: SeedContext,
  model: ModelStatic<M>,
  rows: CreationAttributes<M>[],
): Promise<M[]> {
  const stamped = rows.map((row) => ({ createdAt: ctx.now, updatedAt: ctx.now, ...row }));
  const created = await model.bulkCreate(stamped, {
    transaction: ctx.transaction,
    returning: true,
  });
  ctx.created[model.tableName] = (ctx.created[model.tableName] ?? 0) + created.length;
  return created;
}

/** Inserts one row and returns its id. */
export async function insertOne<M extends Model & { id: number }>(
  ctx: SeedContext,
  model: ModelStatic<M>,
  row: CreationAttributes<M>,
): Promise<number> {
  const [created] = await insert(ctx, model, [row]);
  if (created === undefined) throw new Error(`demo seed: no row returned for ${model.tableName}`);
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
