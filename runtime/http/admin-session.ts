// Browser login for the admin pages (Bull Board at /admin/queues): `GET /admin/login` is a small
// form, `POST /admin/login` checks it with AuthService.login and keeps the access token in an
// HttpOnly, SameSite=Strict cookie `chatia_token`; `adminAuthenticate` accepts that cookie or
// `Authorization: Bearer`, and sends a browser without either to the form.
import express, {
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Response,
  Router,
} from "express";
import { ChatiaError } from "../errors";
import type { AuthService } from "./auth";
import { type LoginLimitOptions, LoginLimits } from "./auth/login-limits";
import { setAuth } from "./auth-context";
import { sendError } from "./errors";

export const ADMIN_COOKIE = "chatia_token";
export const ADMIN_LOGIN_PATH = "/admin/login";

/** The form's login limits are LoginLimitOptions': per address, and per address and email. */
export interface AdminSessionOptions extends LoginLimitOptions {
  readonly auth: AuthService;
  /** The process's login limits, shared with the API and the editor. @defaultValue its own */
  readonly limits?: LoginLimits;
  /** Where a successful login goes. @defaultValue "/admin/queues" */
  readonly home?: string;
}

const BEARER = /^Bearer +(\S+) *$/i;

/** The token from `Authorization: Bearer` or else the `chatia_token` cookie. */
function tokenOf(req: Request): string | undefined {
  const header = req.get("authorization");
  if (header) return BEARER.exec(header)?.[1];
  return cookie(req, ADMIN_COOKIE);
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim()) || undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

const wantsHtml = (req: Request) =>
  (req.method === "GET" || req.method === "HEAD") && req.accepts(["json", "html"]) === "html";

/**
 * Sets the AuthContext from a bearer token or the admin cookie. Without a valid one: a browser's
 * page request is redirected to the login form, anything else gets 401.
 */
export function adminAuthenticate(auth: AuthService): RequestHandler {
  return async (req, res, next) => {
    const token = tokenOf(req);
    const result = token === undefined ? "missing" : await auth.authenticate(token);
    if (typeof result !== "string") {
      setAuth(req, result);
      return next();
    }
    if (wantsHtml(req)) return res.redirect(303, ADMIN_LOGIN_PATH);
    res.setHeader("WWW-Authenticate", 'Bearer realm="chatia-flow"');
    if (result === "missing")
      return sendError(res, 401, "CF_AUTH_REQUIRED", "authentication required: log in first");
    sendError(res, 401, "CF_AUTH_INVALID", "the token is invalid, revoked or expired");
  };
}

/** GET/POST /admin/login and POST /admin/logout (the routes carry their full paths). */
export function createAdminSessionRouter(options: AdminSessionOptions): Router {
  const home = options.home ?? "/admin/queues";
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: "8kb" });
  // Keyed on address and email (and on address alone, higher): failures elsewhere or for another
  // account never lock an admin out.
  const limiters = (options.limits ?? new LoginLimits(options)).guard(
    (req) => String((req.body as Record<string, unknown> | undefined)?.email ?? ""),
    (_req, res) => page(res, 429, "Too many failed logins; try again later."),
  );

  router.get(ADMIN_LOGIN_PATH, (_req, res) => page(res, 200));
  router.post(ADMIN_LOGIN_PATH, form, ...limiters, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const email = typeof body.email === "string" ? body.email.trim() : "";
    const password = typeof body.password === "string" ? body.password : "";
    if (email === "" || password === "") return page(res, 400, "Email and password are required.");
    const result = await options.auth.login(email, password).catch((err: unknown) => {
      if (err instanceof ChatiaError && err.code === "CF_AUTH_BUSY") return "busy" as const;
      throw err;
    });
    if (result === "busy")
      return page(res, 503, "Too many logins are being checked; try again in a moment.");
    if (typeof result === "string") return page(res, 401, "Wrong email or password.");
    res.cookie(ADMIN_COOKIE, result.accessToken, {
      httpOnly: true,
      sameSite: "strict",
      secure: req.secure,
      path: "/",
      maxAge: result.expiresIn * 1000,
    });
    res.redirect(303, home);
  });
  // The form's body refused by its parser (over 8 kB, a bad charset): the form again, not
  // Express's default error page.
  router.use(ADMIN_LOGIN_PATH, ((err, _req, res, next) => {
    const status = (err as { status?: unknown }).status;
    if (typeof (err as { type?: unknown }).type !== "string" || typeof status !== "number")
      return next(err);
    page(res, status === 413 ? 413 : 400, "The form's content was refused; log in again.");
  }) as ErrorRequestHandler);
  router.post("/admin/logout", (_req, res) => {
    res.clearCookie(ADMIN_COOKIE, { httpOnly: true, sameSite: "strict", path: "/" });
    res.redirect(303, ADMIN_LOGIN_PATH);
  });
  return router;
}

function page(res: Response, status: number, error?: string): void {
  res
    .status(status)
    .type("html")
    .setHeader("Cache-Control", "no-store")
    .send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>chatia-flow · log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 22rem; margin: 4rem auto">
<h1>chatia-flow</h1>
${error ? `<p role="alert" style="color: #b00">${escapeHtml(error)}</p>` : ""}
<form method="post" action="${ADMIN_LOGIN_PATH}">
<p><label>Email<br><input name="email" type="email" autocomplete="username" required></label></p>
<p><label>Password<br><input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">Log in</button></p>
</form></body></html>
`);
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
