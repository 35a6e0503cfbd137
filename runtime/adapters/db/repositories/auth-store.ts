// The SQL behind the API's authentication (runtime/http/auth): users by email, refresh tokens
// (rotated in one transaction, so two uses of one token cannot both succeed) and API tokens.
// Tokens are looked up by their sha256 hash; the tokens themselves never reach the database.
import { QueryTypes, type Sequelize } from "sequelize";
import type {
  ApiTokenRecord,
  AuthStore,
  LoginUser,
  NewApiToken,
  PublicUser,
  RotateResult,
} from "../../../services/ports/auth-store";
import { REVOKED_CHANNEL } from "../token-revocations";

const USER_COLUMNS = `u.id, u.name, u.email, u.profile, u."companyId", u.super`;

export class SequelizeAuthStore implements AuthStore {
  constructor(private readonly sequelize: Sequelize) {}

  async findUserByEmail(email: string): Promise<LoginUser | undefined> {
    const rows = await this.sequelize.query<LoginUser>(
      `SELECT ${USER_COLUMNS}, u."passwordHash" FROM "Users" u WHERE u.email = $1`,
      { bind: [email], type: QueryTypes.SELECT },
    );
    return rows[0];
  }

  async insertRefreshToken(userId: number, tokenHash: string, expiresAt: Date): Promise<void> {
    await this.sequelize.query(
      `INSERT INTO "RefreshTokens" ("userId", "tokenHash", "expiresAt") VALUES ($1, $2, $3)`,
      { bind: [userId, tokenHash, expiresAt] },
    );
  }

  /**
   * Revokes the token `oldHash` and stores `newHash` in its place for the same user. A token
   * already revoked is a reuse (a stolen token, or a replay): the user's whole family is revoked.
   */
  async rotateRefreshToken(
    oldHash: string,
    newHash: string,
    now: Date,
    expiresAt: Date,
  ): Promise<RotateResult> {
    return this.sequelize.transaction(async (transaction) => {
      const [row] = await this.sequelize.query<{
        id: number;
        userId: number;
        expiresAt: Date;
        revokedAt: Date | null;
      }>(
        `SELECT id, "userId", "expiresAt", "revokedAt" FROM "RefreshTokens"
          WHERE "tokenHash" = $1 FOR UPDATE`,
        { bind: [oldHash], type: QueryTypes.SELECT, transaction },
      );
      if (row === undefined) return { status: "unknown" };
      if (row.revokedAt !== null) {
        await this.sequelize.query(
          `UPDATE "RefreshTokens" SET "revokedAt" = $2 WHERE "userId" = $1 AND "revokedAt" IS NULL`,
          { bind: [row.userId, now], transaction },
        );
        return { status: "reused", userId: row.userId };
      }
      if (row.expiresAt.getTime() <= now.getTime()) return { status: "expired" };
      await this.sequelize.query(`UPDATE "RefreshTokens" SET "revokedAt" = $2 WHERE id = $1`, {
        bind: [row.id, now],
        transaction,
      });
      await this.sequelize.query(
        `INSERT INTO "RefreshTokens" ("userId", "tokenHash", "expiresAt") VALUES ($1, $2, $3)`,
        { bind: [row.userId, newHash, expiresAt], transaction },
      );
      const [user] = await this.sequelize.query<PublicUser>(
        `SELECT ${USER_COLUMNS} FROM "Users" u WHERE u.id = $1`,
        { bind: [row.userId], type: QueryTypes.SELECT, transaction },
      );
      return user === undefined ? { status: "unknown" } : { status: "rotated", user };
    });
  }

  /** Revokes one refresh token; false when it is unknown or was revoked already. */
  async revokeRefreshToken(tokenHash: string, now: Date): Promise<boolean> {
    const rows = await this.sequelize.query<{ id: number }>(
      `UPDATE "RefreshTokens" SET "revokedAt" = $2
        WHERE "tokenHash" = $1 AND "revokedAt" IS NULL RETURNING id`,
      { bind: [tokenHash, now], type: QueryTypes.SELECT },
    );
    return rows.length > 0;
  }

  async companyExists(companyId: number): Promise<boolean> {
    const rows = await this.sequelize.query(`SELECT 1 FROM "Companies" WHERE id = $1`, {
      bind: [companyId],
      type: QueryTypes.SELECT,
    });
    return rows.length > 0;
  }

  async insertApiToken(token: NewApiToken): Promise<ApiTokenRecord> {
    const [row] = await this.sequelize.query<ApiTokenRecord>(
      `INSERT INTO "ApiTokens" (name, "companyId", profile, "tokenHash", prefix)
       VALUES ($1, $2, $3, $4, $5) RETURNING id, name, "companyId", profile, prefix`,
      {
        bind: [token.name, token.companyId, token.profile, token.tokenHash, token.prefix],
        type: QueryTypes.SELECT,
      },
    );
    if (row === undefined) throw new Error("INSERT … RETURNING gave no row");
    return row;
  }

  /** The live (not revoked) API token with this hash, its `lastUsedAt` set to `now`. */
  async useApiToken(tokenHash: string, now: Date): Promise<ApiTokenRecord | undefined> {
    const rows = await this.sequelize.query<ApiTokenRecord>(
      `UPDATE "ApiTokens" SET "lastUsedAt" = $2
        WHERE "tokenHash" = $1 AND "revokedAt" IS NULL
        RETURNING id, name, "companyId", profile, prefix`,
      { bind: [tokenHash, now], type: QueryTypes.SELECT },
    );
    return rows[0];
  }

  /** Revokes the live API tokens whose prefix is `prefix`; returns how many. */
  async revokeApiToken(prefix: string, now: Date): Promise<number> {
    // Every api process hears of it at once (token-revocations.ts), when the statement commits.
    const rows = await this.sequelize.query<{ id: number }>(
      `WITH revoked AS (
         UPDATE "ApiTokens" SET "revokedAt" = $2
          WHERE prefix = $1 AND "revokedAt" IS NULL RETURNING id, prefix)
       SELECT id, pg_notify('${REVOKED_CHANNEL}', prefix) FROM revoked`,
      { bind: [prefix, now], type: QueryTypes.SELECT },
    );
    return rows.length;
  }
}
