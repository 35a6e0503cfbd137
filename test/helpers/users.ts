// A company with its users for a login test: one password for all, hashed as ChatIA's are.
import type { Sequelize } from "sequelize";
import { hashPassword } from "../../runtime/cli/commands/db";
import { testRows } from "./rows";

export interface TestUser {
  readonly name: string;
  readonly email: string;
  /** @defaultValue "admin" */
  readonly profile?: "admin" | "user";
  /** @defaultValue false */
  readonly super?: boolean;
}

/** Inserts the company `name` and `users` of it with `password`; returns the company's id. */
export async function insertCompanyUsers(
  sequelize: Sequelize,
  name: string,
  password: string,
  users: readonly TestUser[],
): Promise<number> {
  const rows = testRows(sequelize);
  const companyId = (await rows.insert("Companies", { name })).id;
  const passwordHash = await hashPassword(password);
  await rows.insertMany(
    "Users",
    users.map((u) => ({
      name: u.name,
      email: u.email,
      passwordHash,
      profile: u.profile ?? "admin",
      companyId,
      super: u.super ?? false,
    })),
  );
  return companyId;
}

/** The root super-admin most login tests use. */
export const ROOT: TestUser = { name: "Root", email: "root@ops.test", super: true };

/** Logs `email` in through the API (`POST /api/auth/login` on `baseUrl`); its access token. */
export async function apiLogin(baseUrl: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  const body = (await res.json()) as { accessToken?: string };
  if (res.status !== 200 || !body.accessToken)
    throw new Error(`login of ${email}: ${res.status} ${JSON.stringify(body)}`);
  return body.accessToken;
}

/**
 * A company with a CONNECTED WhatsApp connection, its admin `admin` and the super-admin ROOT, on a
 * running runtime: their ids and both logins' access tokens.
 */
export async function companyWithLogins(
  runtime: { readonly url?: string },
  sequelize: Sequelize,
  name: string,
  password: string,
  admin: TestUser,
): Promise<{ companyId: number; whatsappId: number; token: { admin: string; super: string } }> {
  const { url } = runtime;
  if (url === undefined) throw new Error("the runtime serves no HTTP");
  const companyId = await insertCompanyUsers(sequelize, name, password, [admin, ROOT]);
  const whatsappId = (
    await testRows(sequelize).insert("Whatsapps", { name: "W", companyId, status: "CONNECTED" })
  ).id;
  const [adminToken, superToken] = await Promise.all(
    [admin.email, ROOT.email].map((email) => apiLogin(url, email, password)),
  );
  return { companyId, whatsappId, token: { admin: adminToken ?? "", super: superToken ?? "" } };
}
