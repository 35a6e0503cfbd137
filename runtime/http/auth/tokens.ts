// The API's tokens. Access tokens are short-lived HS256 JWTs (jose) carrying who the caller is;
// refresh and API tokens are opaque random strings, stored only as their sha256 hash.
import { createHash, randomBytes } from "node:crypto";
import type { UserProfile } from "../../services/ports/enums";

/** Prefix of API tokens: how `authenticate` tells one from a JWT. */
export const API_TOKEN_PREFIX = "cfa_";
const REFRESH_TOKEN_PREFIX = "cfr_";
/** How many characters of an API token are kept in clear, to recognise it. */
const DISPLAY_PREFIX_LENGTH = 12;
const ISSUER = "chatia-flow";
const AUDIENCE = "chatia-flow-api";
export const MIN_JWT_SECRET_LENGTH = 32;

export interface AccessClaims {
  readonly userId: number;
  readonly companyId: number;
  readonly profile: UserProfile;
  readonly super: boolean;
}

// jose is ESM-only; a CommonJS build reaches it through import(), loaded once.
type Jose = typeof import("jose", { with: { "resolution-mode": "import" }});
let jose: Promise<Jose> | undefined;
const loadJose = (): Promise<Jose> => {
  jose ??= import("jose");
  return jose;
};

function secretKey(secret: string): Uint8Array {
  if (secret.length < MIN_JWT_SECRET_LENGTH)
    throw new Error(`the JWT secret must have at least ${MIN_JWT_SECRET_LENGTH} characters`);
  return new TextEncoder().encode(secret);
}

export async function signAccessToken(
  claims: AccessClaims,
  secret: string,
  ttlSeconds: number,
): Promise<string> {
  const { SignJWT } = await loadJose();
  return new SignJWT({ company: claims.companyId, profile: claims.profile, super: claims.super })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(String(claims.userId))
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(secretKey(secret));
}

export type VerifyResult =
  | { readonly ok: true; readonly claims: AccessClaims }
  | { readonly ok: false; readonly reason: "expired" | "invalid" };

/** Checks signature (HS256 only), issuer, audience, expiry and the claims' types. */
export async function verifyAccessToken(token: string, secret: string): Promise<VerifyResult> {
  const { jwtVerify, errors } = await loadJose();
  try {
    const { payload } = await jwtVerify(token, secretKey(secret), {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const userId = Number(payload.sub);
    const { company, profile } = payload;
    if (
      !Number.isSafeInteger(userId) ||
      typeof company !== "number" ||
      (profile !== "admin" && profile !== "user") ||
      typeof payload.super !== "boolean"
    )
      return { ok: false, reason: "invalid" };
    return { ok: true, claims: { userId, companyId: company, profile, super: payload.super } };
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { ok: false, reason: "expired" };
    if (err instanceof errors.JOSEError) return { ok: false, reason: "invalid" };
    throw err;
  }
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function newRefreshToken(): string {
  return REFRESH_TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

/** A new API token and the part of it shown in listings. */
export function newApiToken(): { token: string; prefix: string } {
  const token = API_TOKEN_PREFIX + randomBytes(32).toString("base64url");
  return { token, prefix: token.slice(0, DISPLAY_PREFIX_LENGTH) };
}
