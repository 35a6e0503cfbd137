// createTestDatabase: a fresh, uniquely named Postgres database per test file, dropped afterwards,
// so test files can run in parallel and in any order against one server.
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { QueryTypes } from "sequelize";
import { createSequelize, type Sequelize } from "../../runtime/adapters/db/connection";

export interface TestDatabase {
  /** Its name, `chatia_test_<pid>_<random>`. */
  readonly name: string;
  /** Connection URL of the new database. */
  readonly url: string;
  /** Connected to the new database (empty: no migrations applied). */
  readonly sequelize: Sequelize;
  /** Closes `sequelize` and drops the database, forcing other sessions off. Safe to call twice. */
  drop(): Promise<void>;
}

/** The maintenance database: PG* variables when set, else postgres@127.0.0.1:5432/postgres. */
export function adminDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const url = new URL("postgres://127.0.0.1:5432/postgres");
  url.username = encodeURIComponent(env.PGUSER ?? "postgres");
  if (env.PGPASSWORD) url.password = encodeURIComponent(env.PGPASSWORD);
  url.hostname = env.PGHOST ?? "127.0.0.1";
  url.port = env.PGPORT ?? "5432";
  url.pathname = `/${env.PGDATABASE ?? "postgres"}`;
  return url.toString();
}

async function onAdmin(sql: string): Promise<void> {
  const client = new Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `chatia_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  await onAdmin(`CREATE DATABASE "${name}"`);
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/${name}`;
  const sequelize = createSequelize(url.toString(), { poolMax: 5 });
  let dropped = false;
  return {
    name,
    url: url.toString(),
    sequelize,
    async drop() {
      if (dropped) return;
      dropped = true;
      await sequelize.close();
      await onAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** Names of the tables in the public schema, sorted. */
export async function listTables(sequelize: Sequelize): Promise<string[]> {
  const rows = await sequelize.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    { type: QueryTypes.SELECT },
  );
  return rows.map((row) => row.tablename).sort();
}

/** Names of the indexes in the public schema (including those backing constraints), sorted. */
export async function listIndexes(sequelize: Sequelize): Promise<string[]> {
  const rows = await sequelize.query<{ indexname: string }>(
    "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'",
    { type: QueryTypes.SELECT },
  );
  return rows.map((row) => row.indexname).sort();
}
