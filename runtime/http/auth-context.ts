// Who is calling the API: set on each authenticated request by the auth middleware
// (runtime/http/auth), read by the routes to decide what the caller may see and do.
import type { Request } from "express";

export interface AuthContext {
  /** Users.id, or undefined for an API token that belongs to no user. */
  readonly userId?: number;
  /** The company whose rows the caller sees; undefined only for a super-admin. */
  readonly companyId?: number;
  /** `admin` manages its company (queues, jobs, editor); `user` is an attendant. */
  readonly profile: "admin" | "user";
  /** Super-admins see queues and jobs across companies. */
  readonly super: boolean;
  /** How the caller authenticated. */
  readonly via: "access-token" | "api-token";
}

const AUTH = Symbol("chatia.auth");

export function setAuth(req: Request, auth: AuthContext): void {
  (req as unknown as Record<symbol, AuthContext>)[AUTH] = auth;
}

/** The caller, or undefined on a request no auth middleware accepted. */
export function authOf(req: Request): AuthContext | undefined {
  return (req as unknown as Record<symbol, AuthContext | undefined>)[AUTH];
}
