// `chatia-flow token …`: API tokens for machines. A token is printed once, at creation; only
// its sha256 hash and its first characters (to recognise it) are stored.
import type { Command } from "commander";
import { ChatiaError } from "../../errors";
import type { Io } from "../io";
import { DATABASE_URL_HELP, withDatabase } from "./db";

const authStore = (): typeof import("../../adapters/db/repositories/auth-store") =>
  require("../../adapters/db/repositories/auth-store");
const authService = (): typeof import("../../http/auth/auth.service") =>
  require("../../http/auth/auth.service");

interface CreateOptions {
  databaseUrl?: string;
  company?: string;
  name: string;
  super?: boolean;
  profile: string;
}

export function registerToken(program: Command, io: Io): void {
  const token = program.command("token").description("API tokens for machines");
  token
    .command("create")
    .description("create an API token and print it (once)")
    .requiredOption("--name <name>", "what the token is for, e.g. ci-deploy")
    .option("--company <id>", "the company whose rows the token sees")
    .option("--super", "a super-admin token: every company (instead of --company)")
    .option("--profile <profile>", "admin or user", "admin")
    .option("--database-url <url>", DATABASE_URL_HELP)
    .action((opts: CreateOptions) =>
      withDatabase(opts, io, async (sequelize) => {
        const { companyId, profile } = checkCreate(opts);
        const { AuthService } = authService();
        const { SequelizeAuthStore } = authStore();
        const auth = new AuthService({ store: new SequelizeAuthStore(sequelize), jwtSecret: "" });
        if (companyId !== null && !(await auth.companyExists(companyId)))
          throw new ChatiaError("CF_CLI_USAGE", `company ${companyId} does not exist`);
        const created = await auth.createApiToken({ name: opts.name, companyId, profile });
        const scope = companyId === null ? "every company (super)" : `company ${companyId}`;
        io.out(
          `created API token "${opts.name}" (${created.record.prefix}…, ${profile}, ${scope})`,
        );
        io.out("store it now, it is not shown again:");
        io.out(created.token);
      }),
    );
  token
    .command("revoke <prefix>")
    .description("revoke the API token that starts with <prefix> (as printed at creation)")
    .option("--database-url <url>", DATABASE_URL_HELP)
    .action((prefix: string, opts: { databaseUrl?: string }) =>
      withDatabase(opts, io, async (sequelize) => {
        const { AuthService } = authService();
        const { SequelizeAuthStore } = authStore();
        const auth = new AuthService({ store: new SequelizeAuthStore(sequelize), jwtSecret: "" });
        const revoked = await auth.revokeApiToken(prefix.replace(/…$/, "").slice(0, 12));
        if (revoked === 0) throw new ChatiaError("CF_CLI_USAGE", `no live API token ${prefix}`);
        io.out(`revoked ${revoked} API token${revoked === 1 ? "" : "s"}`);
      }),
    );
}

function checkCreate(opts: CreateOptions): { companyId: number | null; profile: "admin" | "user" } {
  if (opts.profile !== "admin" && opts.profile !== "user")
    throw new ChatiaError("CF_CLI_USAGE", `--profile must be admin or user, not "${opts.profile}"`);
  if (opts.super && opts.company !== undefined)
    throw new ChatiaError("CF_CLI_USAGE", "give --company or --super, not both");
  if (opts.super) return { companyId: null, profile: opts.profile };
  const companyId = Number(opts.company);
  if (opts.company === undefined || !Number.isSafeInteger(companyId) || companyId < 1)
    throw new ChatiaError("CF_CLI_USAGE", "--company <id> (a company id) or --super is required");
  return { companyId, profile: opts.profile };
}
