// Runs the schema migrations with umzug, recording them in "SequelizeMeta" as sequelize-cli does.
// Contracts: each migration and its SequelizeMeta row commit together or not at all; several
// processes may migrate the same database at once (they take turns on an advisory lock, and a
// migration another process already applied is skipped).
import { ConnectionError, QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { MigrationError, SequelizeStorage, Umzug } from "umzug";
import { ChatiaError } from "../../errors";
import { MIGRATIONS, type Migration } from "./migrations";

const META_TABLE = "SequelizeMeta";
/** Serializes migrations of one database across processes (held until each commit). */
const LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('chatia-flow:migrations'))";

type LogFn = (message: Record<string, unknown>) => void;
/** Receives umzug's progress events ({ event: "migrating", name }, …). */
export type MigrationLogger = Record<"info" | "warn" | "error" | "debug", LogFn>;

export interface MigratorOptions {
  /** The migrations to run, in order. @defaultValue MIGRATIONS */
  readonly migrations?: readonly Migration[];
  /** Where progress goes; `console` prints it. @defaultValue undefined (silent) */
  readonly logger?: MigrationLogger;
}

export interface MigrateDownOptions {
  /** Revert down to and including this migration; 0 reverts all. Wins over `step`. */
  readonly to?: string | 0;
  /** How many of the latest migrations to revert. @defaultValue 1 */
  readonly step?: number;
}

/** SequelizeStorage whose writes happen inside each migration's transaction (see runMigration). */
class TransactionalMetaStorage extends SequelizeStorage {
  private ensured = false;

  protected override async syncModel(): Promise<void> {
    if (this.ensured) return;
    await ensureMetaTable(this.sequelize as Sequelize);
    this.ensured = true;
  }

  override async logMigration(): Promise<void> {}

  override async unlogMigration(): Promise<void> {}
}

/** Same shape as sequelize-cli's table; created under the lock so concurrent starts do not race. */
async function ensureMetaTable(sequelize: Sequelize): Promise<void> {
  await sequelize.transaction(async (transaction) => {
    await sequelize.query(LOCK_SQL, { transaction });
    await sequelize.query(
      `CREATE TABLE IF NOT EXISTS "${META_TABLE}" ("name" VARCHAR(255) NOT NULL UNIQUE, PRIMARY KEY ("name"))`,
      { transaction },
    );
  });
}

async function isRecorded(sequelize: Sequelize, name: string, transaction: Transaction) {
  const rows = await sequelize.query(`SELECT 1 FROM "${META_TABLE}" WHERE "name" = :name`, {
    replacements: { name },
    type: QueryTypes.SELECT,
    transaction,
  });
  return rows.length > 0;
}

/**
 * Runs one direction of one migration and its bookkeeping in a single transaction. Returns false
 * when another process had already done it.
 */
async function runMigration(
  sequelize: Sequelize,
  migration: Migration,
  direction: "up" | "down",
): Promise<boolean> {
  return sequelize.transaction(async (transaction) => {
    await sequelize.query(LOCK_SQL, { transaction });
    const recorded = await isRecorded(sequelize, migration.name, transaction);
    if (recorded === (direction === "up")) return false;
    await migration[direction]({ queryInterface: sequelize.getQueryInterface(), transaction });
    const sql =
      direction === "up"
        ? `INSERT INTO "${META_TABLE}" ("name") VALUES (:name)`
        : `DELETE FROM "${META_TABLE}" WHERE "name" = :name`;
    await sequelize.query(sql, { replacements: { name: migration.name }, transaction });
    return true;
  });
}

/** An umzug instance over `sequelize`; prefer migrateUp / migrateDown / pendingMigrations. */
export function createMigrator(sequelize: Sequelize, opts: MigratorOptions = {}): Umzug<object> {
  return buildUmzug(sequelize, opts, []);
}

/** As createMigrator; `ran` receives the name of each migration this process actually ran. */
function buildUmzug(sequelize: Sequelize, opts: MigratorOptions, ran: string[]): Umzug<object> {
  const step = async (migration: Migration, direction: "up" | "down") => {
    if (await runMigration(sequelize, migration, direction)) ran.push(migration.name);
  };
  const migrations = (opts.migrations ?? MIGRATIONS).map((migration) => ({
    name: migration.name,
    up: () => step(migration, "up"),
    down: () => step(migration, "down"),
  }));
  return new Umzug({
    migrations,
    context: {},
    storage: new TransactionalMetaStorage({ sequelize, tableName: META_TABLE }),
    logger: opts.logger,
  });
}

/**
 * Applies every pending migration. Returns the names this call applied, in order (a migration a
 * concurrent process applied meanwhile is skipped and not listed). Throws CF_DB_MIGRATION.
 */
export async function migrateUp(
  sequelize: Sequelize,
  opts: MigratorOptions = {},
): Promise<string[]> {
  const ran: string[] = [];
  await translateErrors(() => buildUmzug(sequelize, opts, ran).up());
  return ran;
}

/** Reverts the latest migration (or `step` of them, or down `to` one); returns the names reverted. */
export async function migrateDown(
  sequelize: Sequelize,
  opts: MigrateDownOptions & MigratorOptions = {},
): Promise<string[]> {
  const ran: string[] = [];
  const range = opts.to !== undefined ? { to: opts.to } : { step: opts.step ?? 1 };
  await translateErrors(() => buildUmzug(sequelize, opts, ran).down(range));
  return ran;
}

/** Names of the migrations not yet applied, in the order they would run. */
export async function pendingMigrations(
  sequelize: Sequelize,
  opts: MigratorOptions = {},
): Promise<string[]> {
  const pending = await translateErrors(() => createMigrator(sequelize, opts).pending());
  return pending.map((m) => m.name);
}

/** Names of the migrations applied, oldest first. */
export async function executedMigrations(
  sequelize: Sequelize,
  opts: MigratorOptions = {},
): Promise<string[]> {
  const executed = await translateErrors(() => createMigrator(sequelize, opts).executed());
  return executed.map((m) => m.name);
}

async function translateErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw toChatiaError(err);
  }
}

function toChatiaError(err: unknown): unknown {
  const cause = err instanceof MigrationError ? err.cause : err;
  if (cause instanceof ConnectionError) {
    return new ChatiaError("CF_DB_CONNECT", `cannot reach Postgres: ${cause.message}`, { cause });
  }
  if (err instanceof MigrationError) {
    const { name, direction } = err.migration;
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new ChatiaError(
      "CF_DB_MIGRATION",
      `migration ${name} (${direction}) failed and was rolled back: ${reason}`,
      { cause },
    );
  }
  return err;
}
