// `chatia-flow demo` (what `npm start` runs): database created if missing, migrated, seeded when
// empty, then the runtime started in demo mode (generated secrets, simulated WhatsApp).
import type { Command } from "commander";
import { loadConfig } from "../../app/config";
import { type Io, progressOf } from "../io";
import { databaseUrl } from "../options";
import {
  DATABASE_URL_HELP,
  databaseAdapter,
  hashPassword,
  migrate,
  printSeed,
  withDatabase,
} from "./db";
import { runUntilStopped, withStartOptions } from "./start";

export function registerDemo(program: Command, io: Io): void {
  withStartOptions(program.command("demo"))
    .description(
      "set up the demo: create the database if missing, migrate, seed demo data when empty, then start the runtime in demo mode and print its addresses",
    )
    .option("--database-url <url>", DATABASE_URL_HELP)
    .action(async (opts: { databaseUrl?: string }) => {
      const { ensureDatabaseExists, redact, seedDemo } = databaseAdapter();
      const url = databaseUrl(opts.databaseUrl);
      if (await ensureDatabaseExists(url)) io.out(`created database ${redact(url)}`);
      await withDatabase({ databaseUrl: url }, io, async (sequelize) => {
        await migrate(sequelize, io);
        const bar = progressOf(io);
        const seeded = await seedDemo(sequelize, {
          passwordHash: hashPassword,
          onProgress: (done, total, label) => bar.update(done, total, label),
        }).finally(() => bar.stop());
        if (seeded.alreadySeeded)
          io.out("demo data already present (its passwords were shown when it was seeded)");
        else printSeed(seeded, io);
      });
      if (io.exitCode !== 0) return;
      io.exitCode = await runUntilStopped(loadConfig({ ...opts, demo: true }), io);
    });
}
