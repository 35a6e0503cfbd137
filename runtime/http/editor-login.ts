// Who may use the Node-RED editor: the operator account of the deployment (CHATIA_ADMIN_USER /
// CHATIA_ADMIN_PASSWORD, or the demo's generated one) and the super-admin users of the API, with
// their own passwords. Flows serve every company, so a company's admin does not edit them.
import { createHash } from "node:crypto";
import express, { type RequestHandler, Router } from "express";
import { ChatiaError } from "../errors";
import type { AuthStore } from "../services/ports/auth-store";
import { AuthService } from "./auth";
import { type LoginLimits, passwordGate } from "./auth/login-limits";
import { hashPassword, passwordMatches } from "./auth/passwords";
import { jsonBodyLimit } from "./body-limit";
import { sendError } from "./errors";

/** What the embedded editor asks of a login (runtime/adapters/node-red/embedded.ts). */
export interface EditorLogin {
  /** Whether `username` with `password` may log in. */
  authenticate(username: string, password: string): Promise<boolean>;
  /** Whether `username` (of a session being restored) may still use the editor. */
  exists(username: string): Promise<boolean>;
}

export interface EditorLoginOptions {
  readonly store: AuthStore;
  readonly jwtSecret: string;
  readonly operator: { readonly username: string; readonly password: string };
}

/** The editor's login, and the check its token endpoint makes before Node-RED sees a request. */
export interface CheckedEditorLogin extends EditorLogin {
  /**
   * Checks `username` and `password` for the token endpoint; a match is remembered for a few
   * seconds, so that Node-RED's own call to authenticate() with them does not hash again.
   * CF_AUTH_BUSY past the password gate.
   */
  check(username: string, password: string): Promise<boolean>;
}

/** How long a credential the token endpoint checked is taken as checked by Node-RED's call. */
const CHECKED_MS = 10_000;

export async function createEditorLogin(options: EditorLoginOptions): Promise<CheckedEditorLogin> {
  const auth = new AuthService({ store: options.store, jwtSecret: options.jwtSecret });
  const { username: operator } = options.operator;
  const operatorHash = await hashPassword(options.operator.password);
  const checked = new Map<string, { count: number; timer: NodeJS.Timeout }>();
  const keyOf = (username: string, password: string) =>
    createHash("sha256").update(username).update("\0").update(password).digest("base64");
  const check = async (username: string, password: string) => {
    if (username === operator)
      return passwordGate.run(() => passwordMatches(password, operatorHash));
    return (await auth.checkPassword(username, password))?.super === true;
  };
  return {
    async check(username, password) {
      const ok = await check(username, password);
      if (ok) {
        // Counted: the same credentials may be checked for several requests at once.
        const key = keyOf(username, password);
        const entry = checked.get(key);
        if (entry) clearTimeout(entry.timer);
        const timer = setTimeout(() => checked.delete(key), CHECKED_MS).unref();
        checked.set(key, { count: (entry?.count ?? 0) + 1, timer });
      }
      return ok;
    },
    async authenticate(username, password) {
      const key = keyOf(username, password);
      const entry = checked.get(key);
      if (entry) {
        entry.count--;
        if (entry.count === 0) {
          clearTimeout(entry.timer);
          checked.delete(key);
        }
        return true;
      }
      try {
        return await check(username, password);
      } catch (err) {
        // Too many checks at once: refused like a wrong password, without waiting.
        if (err instanceof ChatiaError && err.code === "CF_AUTH_BUSY") return false;
        throw err;
      }
    },
    async exists(username) {
      if (username === operator) return true;
      return (await auth.findUser(username))?.super === true;
    },
  };
}

/**
 * Mount at `<editor>/auth/token` (Node-RED's login) before the editor: failed logins per client
 * address, then per address and user name (the process's LoginLimits, shared with the API and the
 * admin form); then the password is checked here, and only a right one goes on to Node-RED. Node-RED
 * throttles a user name after 5 attempts in 10 minutes from anywhere, which would let anyone lock
 * the operator out with a few wrong passwords: its count now only ever sees right ones.
 */
export function editorLoginGate(login: CheckedEditorLogin, limits: LoginLimits): RequestHandler {
  const router = Router();
  const field = (body: unknown, name: string) => {
    const value = (body as Record<string, unknown> | undefined)?.[name];
    return typeof value === "string" ? value : "";
  };
  const markRead: RequestHandler = (req, _res, next) => {
    (req as unknown as { _body: boolean })._body = true;
    next();
  };
  const checkPassword: RequestHandler = async (req, res, next) => {
    if (field(req.body, "grant_type") !== "password") return next();
    let ok: boolean;
    try {
      ok = await login.check(field(req.body, "username"), field(req.body, "password"));
    } catch (err) {
      if (!(err instanceof ChatiaError && err.code === "CF_AUTH_BUSY")) return next(err);
      res.setHeader("Retry-After", "1");
      return sendError(res, 503, err.code, err.message);
    }
    if (ok) return next();
    // Node-RED's own answer to wrong credentials (OAuth2 invalid_grant).
    res.status(403).json({
      error: "invalid_grant",
      error_description: "Invalid resource owner credentials",
    });
  };
  router.post(
    "/",
    express.urlencoded({ extended: false, limit: "8kb" }),
    // JSON within 8 kB and 4 levels; errors of either parser as JSON 400/413. Node-RED's own
    // body-parser (1.x) then takes the parsed body as it is rather than reading the consumed
    // stream again; it skips requests marked this way.
    ...jsonBodyLimit({ limitBytes: 8192, maxDepth: 4, what: "the login's limit" }),
    markRead,
    ...limits.guard(
      (req) => field(req.body, "username"),
      (_req, res, retryAfterSeconds) =>
        sendError(res, 429, "CF_AUTH_RATE_LIMITED", "too many failed logins; try again later", {
          retryAfterSeconds,
        }),
    ),
    checkPassword,
  );
  return router;
}
