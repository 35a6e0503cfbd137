// Bull Board's mount: the full board for super-admins; for everyone else the read-only board of
// their own jobs, and every change (anything but GET/HEAD/OPTIONS) refused with 403 before it
// reaches Bull Board. Mount it after an authentication middleware (authOf).
import type { RequestHandler } from "express";
import { type AuthContext, authOf } from "./auth-context";
import { sendError } from "./errors";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The two boards (runtime/adapters/bull/bull-board.ts builds them over the queues). */
export interface QueueBoards {
  readonly full: RequestHandler;
  readOnly(caller: AuthContext): RequestHandler;
}

export function bullBoardRouter(boards: QueueBoards): RequestHandler {
  return (req, res, next) => {
    const auth = authOf(req);
    if (auth === undefined)
      return sendError(res, 401, "CF_AUTH_REQUIRED", "authentication required");
    if (auth.super) return boards.full(req, res, next);
    if (!SAFE_METHODS.has(req.method))
      return sendError(res, 403, "CF_AUTH_FORBIDDEN", "the queue dashboard is read-only here");
    return boards.readOnly(auth)(req, res, next);
  };
}
