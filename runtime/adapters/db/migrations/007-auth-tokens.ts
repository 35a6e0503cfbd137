// 007-auth-tokens: the API's credentials besides passwords. "RefreshTokens" holds the login
// sessions (one row per issued refresh token, rotated on use); "ApiTokens" the machines' tokens
// made by `chatia-flow token create`. Only sha256 hashes of the tokens are stored.
import { DataTypes, fn } from "sequelize";
import {
  addCheckIn,
  addIndex,
  dropTables,
  foreignKey,
  type MigrationContext,
  serialId,
} from "./schema-helpers";

const { TEXT, STRING, DATE } = DataTypes;

/** Mirrors USER_PROFILES in services/ports/enums.ts. */
const PROFILES = ["admin", "user"] as const;

export async function up(ctx: MigrationContext): Promise<void> {
  const { queryInterface, transaction } = ctx;
  await queryInterface.createTable(
    "RefreshTokens",
    {
      id: serialId(),
      userId: foreignKey("Users", "CASCADE"),
      /** sha256 (hex) of the token; the token itself is never stored. */
      tokenHash: { type: TEXT, allowNull: false, unique: true },
      expiresAt: { type: DATE, allowNull: false },
      /** Set when the token was used (rotated), logged out, or its family revoked on reuse. */
      revokedAt: { type: DATE, allowNull: true },
      createdAt: { type: DATE, allowNull: false, defaultValue: fn("now") },
    },
    { transaction },
  );
  await addIndex(ctx, {
    table: "RefreshTokens",
    name: "refresh_tokens_user_idx",
    fields: ["userId"],
  });
  await queryInterface.createTable(
    "ApiTokens",
    {
      id: serialId(),
      name: { type: STRING, allowNull: false },
      /** NULL for a super-admin token, which sees every company. */
      companyId: { ...foreignKey("Companies", "CASCADE"), allowNull: true },
      tokenHash: { type: TEXT, allowNull: false, unique: true },
      /** The token's first characters, to recognise it in listings. */
      prefix: { type: STRING, allowNull: false },
      profile: { type: STRING, allowNull: false, defaultValue: "admin" },
      lastUsedAt: { type: DATE, allowNull: true },
      revokedAt: { type: DATE, allowNull: true },
      createdAt: { type: DATE, allowNull: false, defaultValue: fn("now") },
    },
    { transaction },
  );
  await addCheckIn(ctx, "ApiTokens", "profile", PROFILES, "api_tokens_profile_check");
}

export async function down(ctx: MigrationContext): Promise<void> {
  await dropTables(ctx, ["ApiTokens", "RefreshTokens"]);
}
