// Bull Board (the queue dashboard) over the manifest's queues. Two boards share the same queues:
// a full one for super-admins and a read-only one (Bull Board hides its actions) for everyone
// else; on top of that every mutating request (anything but GET/HEAD) of a non-super caller is
// refused with 403 before it reaches Bull Board, so the guard does not depend on Bull Board's
// own per-queue read-only checks (its "pause all" or "purge history" routes, say). Mount the
// router after an authentication middleware that sets the request's AuthContext (authOf).
import { createBullBoard as createBoard } from "@bull-board/api";
import { BullAdapter } from "@bull-board/api/bullAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { Router } from "express";
import { authOf } from "../../api/auth-context";
import { sendError } from "../../api/errors";
import type { BullQueue } from "./bull-queue-adapter";

export interface BullBoardOptions {
  /** The queues to show, read again by refresh() (QueueRuntime: one per queue of the plan). */
  readonly queues: () => readonly BullQueue[];
  /** Where the router is mounted, e.g. "/admin/queues" (the page's links are built from it). */
  readonly basePath: string;
}

export interface BullBoard {
  /** Mount at `basePath`, behind authentication. */
  readonly router: RequestHandler;
  /** Re-reads `queues()` (after a hot reload): queues added or removed appear or disappear. */
  refresh(): void;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function createBullBoard(options: BullBoardOptions): BullBoard {
  const full = board(options.basePath);
  const readOnly = board(options.basePath);
  const refresh = () => {
    const queues = options.queues();
    full.api.replaceQueues(queues.map((queue) => new BullAdapter(queue)));
    readOnly.api.replaceQueues(
      queues.map((queue) => new BullAdapter(queue, { readOnlyMode: true, allowRetries: false })),
    );
  };
  refresh();

  const router = Router();
  router.use((req, res, next) => {
    const auth = authOf(req);
    if (auth === undefined)
      return sendError(res, 401, "CF_AUTH_REQUIRED", "authentication required");
    if (!auth.super && !SAFE_METHODS.has(req.method))
      return sendError(res, 403, "CF_AUTH_FORBIDDEN", "the queue dashboard is read-only here");
    (auth.super ? full.handler : readOnly.handler)(req, res, next);
  });
  return { router, refresh };
}

function board(basePath: string) {
  const server = new ExpressAdapter();
  server.setBasePath(basePath);
  const api = createBoard({
    queues: [],
    serverAdapter: server,
    options: { uiConfig: { boardTitle: "chatia-flow" } },
  });
  return { api, handler: mounted(server.getRouter() as RequestHandler) };
}

/**
 * Bull Board's router is an Express (5) application: called as a plain handler it swaps the
 * request's and response's prototypes for its own, so put them back when it passes the request on
 * (what `app.use(subApp)` does).
 */
function mounted(app: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const reqProto = Object.getPrototypeOf(req);
    const resProto = Object.getPrototypeOf(res);
    app(req, res, (err?: unknown) => {
      Object.setPrototypeOf(req, reqProto);
      Object.setPrototypeOf(res, resProto);
      next(err);
    });
  };
}
