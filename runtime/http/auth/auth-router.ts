// POST /api/auth/login, /api/auth/refresh and /api/auth/logout. Mount with
// `app.use(createAuthRouter({ store, jwtSecret }))`: the routes carry their full paths.
import express, { type ErrorRequestHandler, type Request, type Response, Router } from "express";
import { ChatiaError } from "../../errors";
import { sendError } from "../errors";
import { type AuthFailure, type AuthOptions, AuthService, type LoginResult } from "./auth.service";
import { checkBody } from "./auth-body";
import { type LoginLimitOptions, LoginLimits } from "./login-limits";

export interface AuthRouterOptions extends AuthOptions, LoginLimitOptions {
  /** The process's login limits, shared with the admin form and the editor. @defaultValue its own, from the options above */
  readonly limits?: LoginLimits;
}

/** The bodies are a few short strings; anything bigger is refused before parsing. */
const BODY_LIMIT = "8kb";

export function createAuthRouter(options: AuthRouterOptions): Router {
  const auth = new AuthService(options);
  const router = Router();
  const json = express.json({ limit: BODY_LIMIT });

  const limits = options.limits ?? new LoginLimits(options);
  router.post("/api/auth/login", json, loginBody, ...loginLimiter(limits), async (_req, res) => {
    const { email, password } = res.locals.body as { email: string; password: string };
    try {
      reply(res, await auth.login(email.trim(), password));
    } catch (err) {
      if (!(err instanceof ChatiaError && err.code === "CF_AUTH_BUSY")) throw err;
      res.setHeader("Retry-After", "1");
      sendError(res, 503, err.code, err.message);
    }
  });
  // A refused refresh token is a failure of the address's budget too: guessing tokens costs a
  // database look-up each, and a client that keeps failing is refused with 429 like a login.
  router.post("/api/auth/refresh", json, ...refreshLimiter(limits), async (req, res) => {
    const body = checkBody(req.body, ["refreshToken"]);
    if (!body.ok) return badRequest(res, body.problems);
    reply(res, await auth.refresh(body.value.refreshToken));
  });
  router.post("/api/auth/logout", json, async (req, res) => {
    const body = checkBody(req.body, ["refreshToken"]);
    if (!body.ok) return badRequest(res, body.problems);
    await auth.logout(body.value.refreshToken);
    res.status(204).end();
  });
  router.use("/api/auth", bodyErrors);
  return router;
}

function loginBody(req: Request, res: Response, next: () => void): void {
  const body = checkBody(req.body, ["email", "password"]);
  if (!body.ok) {
    badRequest(res, body.problems);
    return;
  }
  res.locals.body = body.value;
  next();
}

/** Failed logins (4xx/5xx) per client address, then per address and email: 429. */
function loginLimiter(limits: LoginLimits) {
  return limits.guard((_req, res) => String(res.locals.body?.email ?? ""), tooManyFailures);
}

/** Failed refreshes count against the same budget, as one account ("refresh") per address. */
function refreshLimiter(limits: LoginLimits) {
  return limits.guard(() => "refresh", tooManyFailures);
}

function tooManyFailures(_req: Request, res: Response, retryAfterSeconds?: number): void {
  sendError(res, 429, "CF_AUTH_RATE_LIMITED", "too many failed logins; try again later", {
    retryAfterSeconds,
  });
}

function reply(res: Response, result: LoginResult | AuthFailure): void {
  if (typeof result !== "string") {
    res.json(result);
    return;
  }
  const message: Record<AuthFailure, string> = {
    credentials: "wrong email or password",
    invalid: "the refresh token is invalid, expired or revoked",
    expired: "the refresh token is invalid, expired or revoked",
    reused: "the refresh token was already used; every session of its user is now revoked",
  };
  sendError(res, 401, "CF_AUTH_INVALID", message[result]);
}

function badRequest(res: Response, problems: unknown): void {
  sendError(res, 400, "CF_API_BAD_REQUEST", "the request body is not valid", problems);
}

/** body-parser's refusals (too large, not JSON, bad charset) as API errors; others pass on. */
const bodyErrors: ErrorRequestHandler = (err, _req, res, next) => {
  const type = (err as { type?: unknown }).type;
  if (type === "entity.too.large")
    return sendError(res, 413, "CF_API_TOO_LARGE", `the request body is over ${BODY_LIMIT}`);
  const status = (err as { status?: unknown }).status;
  if (typeof type === "string" && typeof status === "number" && status >= 400 && status < 500)
    return badRequest(res, [{ field: "", problem: (err as Error).message }]);
  next(err);
};
