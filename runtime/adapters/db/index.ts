export {
  assertDatabaseReachable,
  createSequelize,
  DEFAULT_DATABASE_URL,
  databaseUrlFromEnv,
  ensureDatabaseExists,
  redact,
  type Sequelize,
  type SequelizeOptions,
  type Transaction,
} from "./connection";
export { CRON_INDEX_NAMES, MIGRATIONS, type Migration, type MigrationContext } from "./migrations";
export {
  createMigrator,
  executedMigrations,
  type MigrateDownOptions,
  type MigrationLogger,
  type MigratorOptions,
  migrateDown,
  migrateUp,
  pendingMigrations,
} from "./migrator";
export * from "./repositories";
export {
  DEMO_COMPANY_NAME,
  DEMO_COUNTS,
  DEMO_EMAIL_DOMAIN,
  type DemoCredential,
  type SeedDemoOptions,
  type SeedDemoResult,
  seedDemo,
} from "./seed/demo-seed";
