// Who may use the Node-RED editor: the operator account of the deployment (CHATIA_ADMIN_USER /
// CHATIA_ADMIN_PASSWORD, or the demo's generated one) and the super-admin users of the API, with
// their own passwords. Flows serve every company, so a company's admin does not edit them.
import bcrypt from "bcryptjs";
import express, { type RequestHandler, Router } from "express";
import { ChatiaError } from "../errors";
import type { AuthStore } from "../services/ports/auth-store";
import { AuthService } from "./auth";
import { type LoginLimitOptions, loginLimiters, passwordGate } from "./auth/login-limits";
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

export async function createEditorLogin(options: EditorLoginOptions): Promise<EditorLogin> {
  const auth = new AuthService({ store: options.store, jwtSecret: options.jwtSecret });
  const { username: operator } = options.operator;
  const operatorHash = await bcrypt.hash(options.operator.password, 10);
  return {
    async authenticate(username, password) {
      try {
        if (username === operator)
          return await passwordGate.run(() => bcrypt.compare(password, operatorHash));
        return (await auth.checkPassword(username, password))?.super === true;
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
 * address, then per address and user name (4, below Node-RED's own throttle of 5 per user name
 * in 10 minutes, so this address meets 429 CF_AUTH_RATE_LIMITED first).
 */
export function editorLoginLimits(options: LoginLimitOptions = { loginMax: 4 }): RequestHandler {
  const router = Router();
  router.post(
    "/",
    express.urlencoded({ extended: false, limit: "8kb" }),
    express.json({ limit: "8kb" }),
    // Node-RED's own body-parser (1.x) then takes the parsed body as it is rather than reading
    // the consumed stream again; it skips requests marked this way.
    (req, _res, next) => {
      (req as unknown as { _body: boolean })._body = true;
      next();
    },
    ...loginLimiters(
      options,
      (req) => String((req.body as Record<string, unknown> | undefined)?.username ?? ""),
      (_req, res, retryAfterSeconds) =>
        sendError(res, 429, "CF_AUTH_RATE_LIMITED", "too many failed logins; try again later", {
          retryAfterSeconds,
        }),
    ),
  );
  return router;
}
