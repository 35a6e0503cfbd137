// The guards of the API's routes: `authenticate` turns `Authorization: Bearer …` into the
// request's AuthContext; `requireProfile` and `requireSuper` then decide what it may do.
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { authOf, setAuth } from "../auth-context";
import { sendError } from "../errors";
import { type AuthOptions, AuthService } from "./auth.service";

const BEARER = /^Bearer +(\S+) *$/i;

function unauthorized(
  res: Response,
  code: "CF_AUTH_REQUIRED" | "CF_AUTH_INVALID",
  message: string,
) {
  res.setHeader("WWW-Authenticate", 'Bearer realm="chatia-flow"');
  sendError(res, 401, code, message);
}

/** 401 without a valid access token or API token; otherwise sets the request's AuthContext. */
export function authenticate(options: AuthOptions | AuthService): RequestHandler {
  const auth = options instanceof AuthService ? options : new AuthService(options);
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get("authorization");
    if (header === undefined || header === "")
      return unauthorized(
        res,
        "CF_AUTH_REQUIRED",
        "authentication required: send Authorization: Bearer <token>",
      );
    const token = BEARER.exec(header)?.[1];
    if (token === undefined)
      return unauthorized(
        res,
        "CF_AUTH_INVALID",
        "the Authorization header must be Bearer <token>",
      );
    const result = await auth.authenticate(token);
    if (typeof result === "string")
      return unauthorized(
        res,
        "CF_AUTH_INVALID",
        result === "expired"
          ? "the access token has expired; refresh it"
          : "the token is invalid or revoked",
      );
    setAuth(req, result);
    next();
  };
}

/**
 * 403 unless the caller's profile is `profile` (an `admin` passes a `user` check; a super-admin
 * passes every check); 401 when no `authenticate` ran before it or it accepted nobody.
 */
export function requireProfile(profile: "admin" | "user"): RequestHandler {
  return (req, res, next) => {
    const auth = authOf(req);
    if (auth === undefined) return unauthorized(res, "CF_AUTH_REQUIRED", "authentication required");
    if (profile === "admin" && auth.profile !== "admin" && !auth.super)
      return sendError(res, 403, "CF_AUTH_FORBIDDEN", "this needs an admin profile");
    next();
  };
}

/** 403 unless the caller is a super-admin (sees every company). */
export function requireSuper(): RequestHandler {
  return (req, res, next) => {
    const auth = authOf(req);
    if (auth === undefined) return unauthorized(res, "CF_AUTH_REQUIRED", "authentication required");
    if (!auth.super) return sendError(res, 403, "CF_AUTH_FORBIDDEN", "this needs a super-admin");
    next();
  };
}
