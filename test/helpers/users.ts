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
