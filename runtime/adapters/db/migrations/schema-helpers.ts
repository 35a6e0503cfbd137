// Column and constraint builders the migrations share. Every statement runs in the migration's
// transaction, so a migration either applies completely or not at all.
import {
  DataTypes,
  fn,
  type ModelAttributeColumnOptions,
  type QueryInterface,
  type Transaction,
  type WhereOptions,
} from "sequelize";

/** What each migration's up/down receives. */
export interface MigrationContext {
  readonly queryInterface: QueryInterface;
  /** The transaction the whole migration runs in; pass it to every statement. */
  readonly transaction: Transaction;
}

export type ReferentialAction = "CASCADE" | "SET NULL" | "RESTRICT";

export function serialId(): ModelAttributeColumnOptions {
  return { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true, allowNull: false };
}

/** createdAt/updatedAt, defaulting to now() so raw SQL inserts need not set them. */
export function timestamps(): Record<"createdAt" | "updatedAt", ModelAttributeColumnOptions> {
  const column = { type: DataTypes.DATE, allowNull: false, defaultValue: fn("now") };
  return { createdAt: { ...column }, updatedAt: { ...column } };
}

/** An integer foreign key to `table`.id; required when onDelete is CASCADE. */
export function foreignKey(
  table: string,
  onDelete: ReferentialAction,
): ModelAttributeColumnOptions {
  return {
    type: DataTypes.INTEGER,
    allowNull: onDelete === "SET NULL",
    references: { model: table, key: "id" },
    onUpdate: "CASCADE",
    onDelete,
  };
}

/** A boolean column that is never null. */
export function flag(defaultValue: boolean): ModelAttributeColumnOptions {
  return { type: DataTypes.BOOLEAN, allowNull: false, defaultValue };
}

/** An integer column that is never null. */
export function count(defaultValue: number): ModelAttributeColumnOptions {
  return { type: DataTypes.INTEGER, allowNull: false, defaultValue };
}

/** A string column limited to `values` by a named CHECK constraint (dropped with its table). */
export async function addCheckIn(
  ctx: MigrationContext,
  table: string,
  column: string,
  values: readonly string[],
  name: string,
): Promise<void> {
  await ctx.queryInterface.addConstraint(table, {
    type: "check",
    name,
    fields: [column],
    where: { [column]: [...values] },
    transaction: ctx.transaction,
  });
}

export async function addUnique(
  ctx: MigrationContext,
  table: string,
  fields: string[],
  name: string,
): Promise<void> {
  await ctx.queryInterface.addConstraint(table, {
    type: "unique",
    name,
    fields,
    transaction: ctx.transaction,
  });
}

export interface IndexSpec {
  readonly table: string;
  readonly name: string;
  readonly fields: string[];
  /** Makes the index partial: only rows matching it are indexed. */
  readonly where?: WhereOptions;
  readonly unique?: boolean;
}

export async function addIndex(ctx: MigrationContext, spec: IndexSpec): Promise<void> {
  await ctx.queryInterface.addIndex(spec.table, spec.fields, {
    name: spec.name,
    unique: spec.unique ?? false,
    ...(spec.where === undefined ? {} : { where: spec.where }),
    transaction: ctx.transaction,
  });
}

/** Drops tables in the order given (dependents first). */
export async function dropTables(ctx: MigrationContext, tables: readonly string[]): Promise<void> {
  for (const table of tables) {
    await ctx.queryInterface.dropTable(table, { transaction: ctx.transaction });
  }
}
