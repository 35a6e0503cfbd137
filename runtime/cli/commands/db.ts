// `chatia-flow db …`: migrations and the demo seed.
import type { Command } from "commander";
import type { SeedDemoResult, Sequelize } from "../../adapters/db";
import { ChatiaError } from "../../errors";
import { hashPassword } from "../../http/auth/passwords";
import { type Io, progressOf } from "../io";
import { databaseUrl } from "../options";

/**
 * The database adapter (Sequelize, the migrations), loaded when a command runs rather than when
 * the command line starts: `--help` and `validate` need none of it (see "lazy" in cli/main.ts).
 */
export const databaseAdapter = (): typeof import("../../adapters/db") =>
  require("../../adapters/db");

interface DbOptions {
  databaseUrl?: string;
}

export const DATABASE_URL_HELP =
  "Postgres URL (default: $DATABASE_URL or postgres://postgres@127.0.0.1:5432/chatia)";

// bcrypt, cost 10: the original ChatIA's hash format, so existing users keep their passwords.
export { hashPassword };

export function registerDb(program: Command, io: Io): void {
  const db = program.command("db").description("database migrations and demo data");
  const sub = (name: string) => db.command(name).option("--database-url <url>", DATABASE_URL_HELP);

  sub("migrate")
    .description("apply pending migrations, each in a transaction")
    .action((opts: DbOptions) => withDatabase(opts, io, (s) => migrate(s, io)));

  sub("migrate:undo")
    .description("revert the last migration")
    .option("--all", "revert every migration")
    .option("--to <name>", "revert down to and including this migration")
    .action((opts: DbOptions & { all?: boolean; to?: string }) =>
      withDatabase(opts, io, async (sequelize) => {
        if (opts.all && opts.to)
          throw new ChatiaError("CF_CLI_USAGE", "give --all or --to, not both");
        const { migrateDown } = databaseAdapter();
        const reverted = await migrateDown(
          sequelize,
          opts.all ? { to: 0 } : opts.to ? { to: opts.to } : { step: 1 },
        );
        io.out(
          reverted.length
            ? reverted.map((name) => `reverted ${name}`).join("\n")
            : "nothing to revert",
        );
      }),
    );

  sub("status")
    .description("list applied and pending migrations")
    .action((opts: DbOptions) =>
      withDatabase(opts, io, async (sequelize) => {
        const { executedMigrations, pendingMigrations } = databaseAdapter();
        for (const name of await executedMigrations(sequelize)) io.out(`applied  ${name}`);
        for (const name of await pendingMigrations(sequelize)) io.out(`pending  ${name}`);
      }),
    );

  sub("seed")
    .description("seed data")
    .option(
      "--demo",
      "the demo company: plan, connections, attendants, lanes, contacts, a campaign, schedules",
    )
    .action((opts: DbOptions & { demo?: boolean }) =>
      withDatabase(opts, io, async (sequelize) => {
        if (!opts.demo) throw new ChatiaError("CF_CLI_USAGE", "say what to seed: --demo");
        const { seedDemo } = databaseAdapter();
        const bar = progressOf(io);
        const result = await seedDemo(sequelize, {
          passwordHash: hashPassword,
          onProgress: (done, total, label) => bar.update(done, total, label),
        }).finally(() => bar.stop());
        if (result.alreadySeeded)
          throw new ChatiaError(
            "CF_CLI_USAGE",
            "the demo company already exists; nothing was written",
          );
        printSeed(result, io);
      }),
    );
}

export async function migrate(sequelize: Sequelize, io: Io): Promise<void> {
  const { migrateUp } = databaseAdapter();
  const applied = await migrateUp(sequelize);
  io.out(
    applied.length ? applied.map((name) => `applied ${name}`).join("\n") : "database is up to date",
  );
}

export function printSeed(result: SeedDemoResult, io: Io): void {
  const rows = Object.entries(result.created).map(([table, n]) => `${table} ${n}`);
  io.out(`seeded the demo company (id ${result.companyId}): ${rows.join(", ")}`);
  io.out("demo logins (shown once; passwords are stored hashed):");
  for (const c of result.credentials) io.out(`  ${c.profile.padEnd(5)} ${c.email}  ${c.password}`);
}

/** Opens the database, runs `work`, closes it; failures become an exit code, not a stack trace. */
export async function withDatabase(
  options: DbOptions,
  io: Io,
  work: (sequelize: Sequelize) => Promise<void>,
): Promise<void> {
  const { assertDatabaseReachable, createSequelize } = databaseAdapter();
  // No statement bound: a migration may build an index on a large table for minutes.
  const sequelize = createSequelize(databaseUrl(options.databaseUrl), { statementTimeoutMs: null });
  try {
    await assertDatabaseReachable(sequelize);
    await work(sequelize);
  } catch (err) {
    if (!(err instanceof ChatiaError)) throw err;
    io.err(`${err.code}: ${err.message}`);
    io.exitCode = 1;
  } finally {
    await sequelize.close();
  }
}
