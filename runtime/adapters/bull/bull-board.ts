// Bull Board (the queue dashboard) over the manifest's queues. Two boards share the same queues:
// a full one for super-admins, and a read-only one for everyone else whose queue adapters filter
// where Bull Board reads its data (TenantBullAdapter): each read asks runtime/tenancy, for the
// caller of the request being served, which jobs it may see. So the filter does not depend on the
// request's path (its case, encoding or shape): a job list, a count, a job by id, its logs all go
// through it. Redis stats, workers, metrics and cron schedulers are for super-admins only. Every
// mutating request (anything but GET/HEAD) of a non-super caller is refused with 403 before it
// reaches Bull Board. Mount the router after an authentication middleware (authOf).
import { AsyncLocalStorage } from "node:async_hooks";
import { createBullBoard as createBoard } from "@bull-board/api";
import { BullAdapter } from "@bull-board/api/bullAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type Bull from "bull";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { Router } from "express";
import { type AuthContext, authOf } from "../../api/auth-context";
import { sendError } from "../../api/errors";
import type { OwnedJobs } from "../../tenancy/owned-jobs";
import { type BullJob, type BullQueue, JOB_STATES, type JobState } from "./bull-queue-adapter";

export interface BullBoardOptions {
  /** The queues to show, read again by refresh() (QueueRuntime: one per queue of the plan). */
  readonly queues: () => readonly BullQueue[];
  /** Where the router is mounted, e.g. "/admin/queues" (the page's links are built from it). */
  readonly basePath: string;
  /** Which jobs a caller may see (runtime/tenancy). */
  readonly owned: OwnedJobs;
}

export interface BullBoard {
  /** Mount at `basePath`, behind authentication. */
  readonly router: RequestHandler;
  /** Re-reads `queues()` (after a hot reload): queues added or removed appear or disappear. */
  refresh(): void;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** The caller of the request the read-only board is serving (read by TenantBullAdapter). */
const callers = new AsyncLocalStorage<AuthContext>();

export function createBullBoard(options: BullBoardOptions): BullBoard {
  const full = board(options.basePath, false);
  const readOnly = board(options.basePath, true);
  const refresh = () => {
    const queues = options.queues();
    full.api.replaceQueues(queues.map((queue) => new BullAdapter(queue)));
    readOnly.api.replaceQueues(queues.map((queue) => new TenantBullAdapter(queue, options.owned)));
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
    return callers.run(auth, () => readOnly.handler(req, res, next));
  });
  return { router, refresh };
}

/**
 * A read-only Bull adapter that shows the caller (from `callers`) only its own jobs: lists, counts
 * and pages are of those jobs; any other job is "not found". Without a caller it shows nothing.
 */
class TenantBullAdapter extends BullAdapter {
  constructor(
    queue: BullQueue,
    private readonly owned: OwnedJobs,
  ) {
    super(queue, { readOnlyMode: true, allowRetries: false });
  }

  override async getJob(id: string): Promise<BullJob | undefined> {
    const caller = callers.getStore();
    if (!caller) return undefined;
    const job = await this.owned.visibleJob(caller, this.queue, String(id));
    return job && aligned(job);
  }

  override async getJobs(statuses: string[], start = 0, end = -1): Promise<BullJob[]> {
    const caller = callers.getStore();
    if (!caller) return [];
    const states = statuses.filter((s): s is JobState =>
      (JOB_STATES as readonly string[]).includes(s),
    );
    const last = end < 0 ? Number.MAX_SAFE_INTEGER : end;
    const { jobs } = await this.owned.page(caller, this.queue, states, start, last);
    return jobs.map(aligned);
  }

  override async getJobCounts(): Promise<Bull.JobCounts> {
    const caller = callers.getStore();
    const counts = caller ? await this.owned.counts(caller, this.queue) : emptyCounts();
    return counts as unknown as Bull.JobCounts;
  }

  override async getJobLogs(id: string): Promise<string[]> {
    return (await this.getJob(id)) ? super.getJobLogs(id) : [];
  }

  override async getRedisInfo(): Promise<string> {
    throw new Error("Redis details are for super-admins");
  }

  override async getWorkers(): Promise<null> {
    return null;
  }

  override async getMetrics(): Promise<never> {
    throw new Error("queue metrics are for super-admins");
  }

  override async getJobSchedulers(): Promise<[]> {
    return [];
  }

  override async getJobSchedulersCount(): Promise<number> {
    return 0;
  }
}

/** Bull Board shows attempts as Bull Board's own adapter does (one more than Bull's count). */
function aligned(job: BullJob): BullJob {
  job.attemptsMade++;
  return job;
}

function emptyCounts(): Record<JobState, number> {
  return Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
}

function board(basePath: string, readOnly: boolean) {
  const server = new ExpressAdapter();
  server.setBasePath(basePath);
  const api = createBoard({
    queues: [],
    serverAdapter: server,
    options: {
      uiConfig: {
        boardTitle: "chatia-flow",
        ...(readOnly && { hideRedisDetails: true, showWorkers: false }),
      },
    },
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
