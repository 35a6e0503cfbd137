// Who may call a queue route, and the router's last middleware that turns every error into the
// JSON error shape (a route never answers 500 for bad input).
import type { ErrorRequestHandler, Request } from "express";
import { ChatiaError } from "../../errors";
import { type AuthContext, authOf } from "../auth-context";
import { sendError } from "../errors";
import { requestIdOf } from "../request-log";
import { HttpError } from "./inputs";

/** The caller, whom an auth middleware accepted before this router. */
export function callerOf(req: Request): AuthContext {
  const auth = authOf(req);
  if (!auth) throw new HttpError(401, "CF_AUTH_REQUIRED", "authentication required");
  return auth;
}

/** An admin (of their company, or super): mutations. */
export function adminOf(req: Request): AuthContext {
  const auth = callerOf(req);
  if (auth.profile !== "admin" && !auth.super)
    throw new HttpError(403, "CF_AUTH_FORBIDDEN", "only an admin may do this");
  return auth;
}

/**
 * A super-admin: actions on a whole queue, which hold every company's jobs, and views of system
 * jobs. `why` ends the 403's message.
 */
export function superOf(
  req: Request,
  why = "only a super-admin may pause, resume or clean a queue: it holds every company's jobs",
): AuthContext {
  const auth = callerOf(req);
  if (!auth.super) throw new HttpError(403, "CF_AUTH_FORBIDDEN", why);
  return auth;
}

export interface ErrorLog {
  error(details: object, message: string): void;
}

/** The router's error middleware; `log` hears of the unexpected ones (answered 500 / 503). */
export function errorHandler(log?: ErrorLog): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof HttpError)
      return sendError(res, err.status, err.code, err.message, err.details);
    const parser = bodyParserError(err);
    if (parser) return sendError(res, parser.status, parser.code, parser.message);
    // A path parameter that is not valid percent-encoding (Express cannot decode it).
    if (err instanceof URIError)
      return sendError(res, 400, "CF_API_BAD_REQUEST", "the path is not valid percent-encoding");
    if (err instanceof ChatiaError && err.kind === "user")
      return sendError(res, 400, err.code, err.message, err.details);
    log?.error({ err, reqId: requestIdOf(req) }, "queue API request failed");
    if (err instanceof ChatiaError && err.kind === "operational")
      return sendError(res, 503, err.code, err.message);
    return sendError(res, 500, "CF_API_INTERNAL", "internal error");
  };
}

/** Errors of express.json(): too large → 413, anything else it refuses → 400. */
function bodyParserError(err: unknown): HttpError | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const { type, status } = err as { type?: unknown; status?: unknown };
  if (type === "entity.too.large")
    return new HttpError(413, "CF_API_TOO_LARGE", "request body too large");
  if (typeof type === "string" && typeof status === "number" && status >= 400 && status < 500)
    return new HttpError(400, "CF_API_BAD_REQUEST", `request body refused: ${type}`);
  return undefined;
}
