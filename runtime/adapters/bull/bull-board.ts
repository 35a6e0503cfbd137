// Bull Board (the queue dashboard) over the manifest's queues. Two boards share the same queues:
// a full one for super-admins and a read-only one (Bull Board hides its actions) for everyone
// else; on top of that every mutating request (anything but GET/HEAD) of a non-super caller is
// refused with 403 before it reaches Bull Board, so the guard does not depend on Bull Board's
// own per-queue read-only checks (its "pause all" or "purge history" routes, say). A company's
// admin sees only its company's jobs (data.companyId, as in the API): other jobs are left out of
// the lists and answered 404 by id. Mount the router after an authentication middleware that sets
// the request's AuthContext (authOf).
import { createBullBoard as createBoard } from "@bull-board/api";
import { BullAdapter } from "@bull-board/api/bullAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { Router } from "express";
import { type AuthContext, authOf } from "../../api/auth-context";
import { sendError } from "../../api/errors";
import { maySee } from "../../api/routes/job-views";
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
    if (auth.super) return full.handler(req, res, next);
    if (!SAFE_METHODS.has(req.method))
      return sendError(res, 403, "CF_AUTH_FORBIDDEN", "the queue dashboard is read-only here");
    companyOnly(auth, options, req, res).then(
      (allowed) => (allowed ? readOnly.handler(req, res, next) : undefined),
      next,
    );
    return undefined;
  });
  return { router, refresh };
}

const JOB_ROUTE = /^\/api\/queues\/([^/]+)\/([^/]+)(?:\/(?:logs|flow))?\/?$/;

/**
 * For a company's admin: a job of another company is answered 404 by id, and job lists (the
 * `jobs` of each queue in `GET /api/queues`) keep only the jobs the caller may see.
 */
async function companyOnly(
  auth: AuthContext,
  options: BullBoardOptions,
  req: Request,
  res: Response,
): Promise<boolean> {
  const route = JOB_ROUTE.exec(req.path);
  if (route) {
    const [, queueName = "", jobId = ""] = route.map((p) => (p ? safeDecode(p) : p));
    const queue = options.queues().find((q) => q.name === queueName);
    const job = queue ? await queue.getJob(jobId) : null;
    if (job && !maySee(auth, job.data)) {
      sendError(res, 404, "CF_API_NOT_FOUND", `no job ${jobId} in ${queueName}`);
      return false;
    }
  }
  if (req.path === "/api/queues" || req.path === "/api/queues/") {
    const json = res.json.bind(res);
    res.json = (body: unknown) => json(visibleJobs(auth, body));
  }
  return true;
}

function visibleJobs(auth: AuthContext, body: unknown): unknown {
  const queues = (body as { queues?: unknown } | null)?.queues;
  if (!Array.isArray(queues)) return body;
  return {
    ...(body as object),
    queues: queues.map((q: { jobs?: { data?: unknown }[] }) =>
      Array.isArray(q.jobs) ? { ...q, jobs: q.jobs.filter((j) => maySee(auth, j.data)) } : q,
    ),
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
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
