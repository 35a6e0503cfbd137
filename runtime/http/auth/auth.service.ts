// Logins, refresh-token rotation, logout and API tokens: what the auth router and the
// `chatia-flow token` command do, without HTTP.
import type { ApiTokenRecord, AuthStore, PublicUser } from "../../services/ports/auth-store";
import type { UserProfile } from "../../services/ports/enums";
import type { AuthContext } from "../auth-context";
import { type PasswordGate, passwordGate } from "./login-limits";
import { hashPassword, passwordMatches } from "./passwords";
import {
  type AccessClaims,
  API_TOKEN_PREFIX,
  hashToken,
  newApiToken,
  newRefreshToken,
  signAccessToken,
  verifyAccessToken,
} from "./tokens";

export interface AuthOptions {
  /** Users and tokens (runtime/adapters/db's SequelizeAuthStore in the runtime). */
  readonly store: AuthStore;
  /** HS256 key of the access tokens (RuntimeConfig.jwtSecret), at least 32 characters. */
  readonly jwtSecret: string;
  /** Lifetime of an access token, seconds. @defaultValue 900 (15 min) */
  readonly accessTtlSeconds?: number;
  /** Lifetime of a refresh token, seconds. @defaultValue 2_592_000 (30 days) */
  readonly refreshTtlSeconds?: number;
  /** The clock. @defaultValue () => new Date() */
  readonly now?: () => Date;
  /** Bounds the password checks running at once. @defaultValue the process's one gate */
  readonly passwordGate?: PasswordGate;
}

export interface LoginResult {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
  readonly user: PublicUser;
}

/** Why a credential was refused (all become CF_AUTH_INVALID). */
export type AuthFailure = "credentials" | "expired" | "invalid" | "reused";

const ACCESS_TTL_SECONDS = 15 * 60;
const REFRESH_TTL_SECONDS = 30 * 24 * 3600;

// Compared against when the email is unknown, so both failures cost one bcrypt comparison.
let dummyHash: Promise<string> | undefined;
const unknownUserHash = (): Promise<string> => {
  dummyHash ??= hashPassword("no such user: timing filler");
  return dummyHash;
};

export class AuthService {
  private readonly store: AuthStore;
  private readonly accessTtl: number;
  private readonly refreshTtl: number;
  private readonly now: () => Date;

  constructor(private readonly options: AuthOptions) {
    this.store = options.store;
    this.accessTtl = options.accessTtlSeconds ?? ACCESS_TTL_SECONDS;
    this.refreshTtl = options.refreshTtlSeconds ?? REFRESH_TTL_SECONDS;
    this.now = options.now ?? (() => new Date());
  }

  async login(email: string, password: string): Promise<LoginResult | AuthFailure> {
    const user = await this.checkPassword(email, password);
    if (user === undefined) return "credentials";
    const refreshToken = newRefreshToken();
    await this.store.insertRefreshToken(user.id, hashToken(refreshToken), this.refreshExpiry());
    return this.issue(user, refreshToken);
  }

  /**
   * The user whose email and password these are, without issuing tokens (the editor's login);
   * undefined otherwise. An unknown email costs one bcrypt comparison too.
   */
  async checkPassword(email: string, password: string): Promise<PublicUser | undefined> {
    // The whole check (the look-up and the hash) takes a place at the gate: CF_AUTH_BUSY past it.
    return (this.options.passwordGate ?? passwordGate).run(async () => {
      const found = await this.store.findUserByEmail(email);
      const hash = found?.passwordHash ?? (await unknownUserHash());
      // bcrypt in libuv's thread pool: the event loop goes on serving meanwhile.
      const matches = await passwordMatches(password, hash);
      if (found === undefined || !matches) return undefined;
      const { passwordHash: _, ...user } = found;
      return user;
    });
  }

  /** The user of this email, if any (the editor restores its sessions by user name). */
  async findUser(email: string): Promise<PublicUser | undefined> {
    const found = await this.store.findUserByEmail(email);
    if (found === undefined) return undefined;
    const { passwordHash: _, ...user } = found;
    return user;
  }

  /** Exchanges a refresh token for a new pair; the old token is revoked. */
  async refresh(refreshToken: string): Promise<LoginResult | AuthFailure> {
    const next = newRefreshToken();
    const result = await this.store.rotateRefreshToken(
      hashToken(refreshToken),
      hashToken(next),
      this.now(),
      this.refreshExpiry(),
    );
    if (result.status === "rotated") return this.issue(result.user, next);
    return result.status === "unknown" ? "invalid" : result.status;
  }

  /** Revokes a refresh token; unknown or already revoked tokens are ignored. */
  async logout(refreshToken: string): Promise<void> {
    await this.store.revokeRefreshToken(hashToken(refreshToken), this.now());
  }

  /** Who a bearer token (access JWT or API token) stands for. */
  async authenticate(bearer: string): Promise<AuthContext | AuthFailure> {
    if (bearer.startsWith(API_TOKEN_PREFIX)) {
      const token = await this.store.useApiToken(hashToken(bearer), this.now());
      return token === undefined ? "invalid" : apiTokenContext(token);
    }
    const verified = await verifyAccessToken(bearer, this.options.jwtSecret);
    if (!verified.ok) return verified.reason;
    const { userId, companyId, profile } = verified.claims;
    return { userId, companyId, profile, super: verified.claims.super, via: "access-token" };
  }

  /** Creates an API token; the token itself is returned here only, never stored. */
  async createApiToken(input: {
    name: string;
    companyId: number | null;
    profile: UserProfile;
  }): Promise<{ token: string; record: ApiTokenRecord }> {
    const { token, prefix } = newApiToken();
    const record = await this.store.insertApiToken({
      ...input,
      tokenHash: hashToken(token),
      prefix,
    });
    return { token, record };
  }

  revokeApiToken(prefix: string): Promise<number> {
    return this.store.revokeApiToken(prefix, this.now());
  }

  companyExists(companyId: number): Promise<boolean> {
    return this.store.companyExists(companyId);
  }

  private refreshExpiry(): Date {
    return new Date(this.now().getTime() + this.refreshTtl * 1000);
  }

  private async issue(user: PublicUser, refreshToken: string): Promise<LoginResult> {
    const claims: AccessClaims = {
      userId: user.id,
      companyId: user.companyId,
      profile: user.profile,
      super: user.super,
    };
    const accessToken = await signAccessToken(claims, this.options.jwtSecret, this.accessTtl);
    return { accessToken, refreshToken, expiresIn: this.accessTtl, user };
  }
}

/** A token without a company is a super-admin's. */
function apiTokenContext(token: ApiTokenRecord): AuthContext {
  const base = { profile: token.profile, via: "api-token" } as const;
  return token.companyId === null
    ? { ...base, super: true }
    : { ...base, companyId: token.companyId, super: false };
}
