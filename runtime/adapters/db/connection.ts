// The one place a Sequelize instance is built: Postgres dialect, table names exactly as declared
// (the original ChatIA's "Companies", "CampaignShipping", …), quiet by default.
import { type Options, Sequelize } from "sequelize";
import { ChatiaError } from "../../errors";
import { timeoutsFromEnv } from "../../timeouts";
import { databaseUrlFromEnv, redact } from "./database-url";

export type { Sequelize, Transaction } from "sequelize";
export { DEFAULT_DATABASE_URL, databaseUrlFromEnv, redact } from "./database-url";

export interface SequelizeOptions {
  /** Where each SQL statement goes; `false` discards them. @defaultValue false */
  readonly logging?: false | ((sql: string) => void);
  /** Most connections this process holds open. @defaultValue 10 */
  readonly poolMax?: number;
  /** How long a query waits for a free connection before failing. @defaultValue 30000 */
  readonly acquireTimeoutMs?: number;
  /** Shown in pg_stat_activity so operators can tell our connections apart. @defaultValue "chatia-flow" */
  readonly applicationName?: string;
  /** Opening a connection (TCP and Postgres's answer). @defaultValue $CHATIA_DB_CONNECT_TIMEOUT_MS or 5000 */
  readonly connectTimeoutMs?: number;
  /**
   * One statement: Postgres cancels it past this (`statement_timeout`), and the client gives up
   * one second later when Postgres does not answer at all (`query_timeout`). `null`: no bound
   * (migrations and seeding, which may run long on a large database).
   * @defaultValue $CHATIA_DB_STATEMENT_TIMEOUT_MS or 60000
   */
  readonly statementTimeoutMs?: number | null;
}

/** Builds (does not connect) a Sequelize instance for `url`. */
export function createSequelize(
  url: string = databaseUrlFromEnv(),
  opts: SequelizeOptions = {},
): Sequelize {
  const env = timeoutsFromEnv();
  const connectMs = opts.connectTimeoutMs ?? env.dbConnectMs;
  const statementMs =
    opts.statementTimeoutMs === undefined ? env.dbStatementMs : opts.statementTimeoutMs;
  const options: Options = {
    dialect: "postgres",
    logging: opts.logging ?? false,
    // Dates are stored as timestamptz and handed out as UTC Date objects.
    timezone: "+00:00",
    pool: {
      max: opts.poolMax ?? 10,
      min: 0,
      idle: 10_000,
      // Waiting for a free connection includes opening one: never shorter than that.
      acquire: opts.acquireTimeoutMs ?? Math.max(30_000, connectMs + 1_000),
    },
    dialectOptions: {
      application_name: opts.applicationName ?? "chatia-flow",
      connectionTimeoutMillis: connectMs,
      ...(statementMs !== null && {
        statement_timeout: statementMs,
        query_timeout: statementMs + 1_000,
      }),
    },
    // Every model names its table; never let Sequelize pluralize or rename one.
    define: { freezeTableName: true },
  };
  return new Sequelize(url, options);
}

/** Resolves when Postgres answers; otherwise throws CF_DB_CONNECT naming the host (no password). */
export async function assertDatabaseReachable(sequelize: Sequelize): Promise<void> {
  try {
    await sequelize.authenticate();
  } catch (err) {
    const { host, port, database } = sequelize.config;
    throw new ChatiaError(
      "CF_DB_CONNECT",
      `cannot reach Postgres at ${host}:${port}/${database}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/**
 * Creates the database `url` names when it does not exist yet (connecting to the server's
 * `postgres` maintenance database with the same credentials). Resolves to true when it created it.
 */
export async function ensureDatabaseExists(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ""));
  if (name === "")
    throw new ChatiaError("CF_CLI_USAGE", `the database URL names no database: ${redact(url)}`);
  const maintenance = new URL(url);
  maintenance.pathname = "/postgres";
  const admin = createSequelize(maintenance.toString(), { poolMax: 1 });
  try {
    await assertDatabaseReachable(admin);
    const [rows] = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", {
      bind: [name],
    });
    if (rows.length > 0) return false;
    await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return true;
  } finally {
    await admin.close();
  }
}
