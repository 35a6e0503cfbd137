// Users, refresh tokens and API tokens, as the API's authentication needs them
// (runtime/adapters/db/repositories/auth-store.ts implements them in SQL).
import type { UserProfile } from "./enums";

export interface LoginUser {
  readonly id: number;
  readonly name: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly profile: UserProfile;
  readonly companyId: number;
  readonly super: boolean;
}

export type PublicUser = Omit<LoginUser, "passwordHash">;

/** What rotating a refresh token found. */
export type RotateResult =
  | { readonly status: "rotated"; readonly user: PublicUser }
  | { readonly status: "unknown" | "expired" }
  /** The token had been revoked already: every refresh token of `userId` is now revoked. */
  | { readonly status: "reused"; readonly userId: number };

export interface ApiTokenRecord {
  readonly id: number;
  readonly name: string;
  readonly companyId: number | null;
  readonly profile: UserProfile;
  readonly prefix: string;
}

export interface NewApiToken {
  readonly name: string;
  readonly companyId: number | null;
  readonly profile: UserProfile;
  readonly tokenHash: string;
  readonly prefix: string;
}

export interface AuthStore {
  findUserByEmail(email: string): Promise<LoginUser | undefined>;
  insertRefreshToken(userId: number, tokenHash: string, expiresAt: Date): Promise<void>;
  /**
   * Revokes the token `oldHash` and stores `newHash` in its place for the same user. A token
   * already revoked is a reuse (a stolen token, or a replay): the user's whole family is revoked.
   */
  rotateRefreshToken(
    oldHash: string,
    newHash: string,
    now: Date,
    expiresAt: Date,
  ): Promise<RotateResult>;
  /** Revokes one refresh token; false when it is unknown or was revoked already. */
  revokeRefreshToken(tokenHash: string, now: Date): Promise<boolean>;
  companyExists(companyId: number): Promise<boolean>;
  insertApiToken(token: NewApiToken): Promise<ApiTokenRecord>;
  /** The live (not revoked) API token with this hash, its `lastUsedAt` set to `now`. */
  useApiToken(tokenHash: string, now: Date): Promise<ApiTokenRecord | undefined>;
  /** Revokes the live API tokens whose prefix is `prefix`; returns how many. */
  revokeApiToken(prefix: string, now: Date): Promise<number>;
}
