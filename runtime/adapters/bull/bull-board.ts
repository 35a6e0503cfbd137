// Bull Board (the queue dashboard) over the manifest's queues. Two boards share the same queues:
// a full one, and a read-only one whose queue adapters filter where Bull Board reads its data
// (TenantBullAdapter): each read asks `visibility` (runtime/tenancy), for the caller of the request
// being served, which jobs it may see. So the filter does not depend on the request's path (its
// case, encoding or shape): a job list, a count, a job by id, its logs all go through it. Redis
// stats, workers, metrics and cron schedulers are not shown on the read-only board. Who gets which
// board, and the refusal of a read-only caller's changes, is the HTTP side's (runtime/http).
// A job added on the full board ("Add job", "Duplicate") is enqueued as the API enqueues it: its
// payload checked against its schema (400 with what is wrong), its owner stamped, the manifest's
// attempts, backoff and pacing applied (EnqueuingBullAdapter).
import { AsyncLocalStorage } from "node:async_hooks";
import { createBullBoard as createBoard } from "@bull-board/api";
import { BullAdapter } from "@bull-board/api/bullAdapter";
import { errorResponse } from "@bull-board/api/dist/errors.js";
import { errorHandler as boardErrorHandler } from "@bull-board/api/dist/handlers/error.js";
import { ExpressAdapter } from "@bull-board/express";
import type Bull from "bull";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { ChatiaError, ENQUEUE_REFUSAL_STATUS } from "../../errors";
import {
  type EnqueueOptions,
  enqueueOptionProblems,
  type JobEnqueuer,
  type JobQueue,
  type QueuedJob,
} from "../../services/ports/job-queue";
import type { BullJobQueue } from "./bull-job-queue";
import { type BullJob, JOB_STATES, type JobState } from "./bull-queue-adapter";

/** Which jobs a caller may see (runtime/tenancy's OwnedJobs). */
export interface JobVisibility<Caller> {
  visibleJob(caller: Caller, queue: JobQueue, id: string): Promise<QueuedJob | undefined>;
  page(
    caller: Caller,
    queue: JobQueue,
    states: readonly JobState[],
    start: number,
    end: number,
  ): Promise<{ total: number; jobs: QueuedJob[] }>;
  counts(caller: Caller, queue: JobQueue): Promise<Record<JobState, number>>;
}

export interface BullBoardOptions<Caller> {
  /** The queues to show, read again by refresh() (QueueRuntime: one per queue of the plan). */
  readonly queues: () => readonly BullJobQueue[];
  /** Where the board is mounted, e.g. "/admin/queues" (the page's links are built from it). */
  readonly basePath: string;
  /** Which jobs a caller may see on the read-only board. */
  readonly visibility: JobVisibility<Caller>;
  /** Adds the full board's jobs, checked and stamped as every enqueue (QueueRuntime). */
  readonly enqueuer: Pick<JobEnqueuer, "enqueue">;
}

export interface BullBoards<Caller> {
  /** The board with every action. */
  readonly full: RequestHandler;
  /** The read-only board, showing `caller` its own jobs only. */
  readOnly(caller: Caller): RequestHandler;
  /** Re-reads `queues()` (after a hot reload): queues added or removed appear or disappear. */
  refresh(): void;
}

export function createBullBoards<Caller>(options: BullBoardOptions<Caller>): BullBoards<Caller> {
  /** The caller of the request the read-only board is serving (read by TenantBullAdapter). */
  const callers = new AsyncLocalStorage<Caller>();
  const full = board(options.basePath, false);
  const readOnly = board(options.basePath, true);
  const refresh = () => {
    const queues = options.queues();
    full.api.replaceQueues(
      queues.map((queue) => new EnqueuingBullAdapter(queue, options.enqueuer)),
    );
    readOnly.api.replaceQueues(
      queues.map((queue) => new TenantBullAdapter(queue, options.visibility, callers)),
    );
  };
  refresh();
  return {
    full: full.handler,
    readOnly: (caller) => (req, res, next) =>
      callers.run(caller, () => readOnly.handler(req, res, next)),
    refresh,
  };
}

/**
 * A read-only Bull adapter that shows the caller (from `callers`) only its own jobs: lists, counts
 * and pages are of those jobs; any other job is "not found". Without a caller it shows nothing.
 */
class TenantBullAdapter<Caller> extends BullAdapter {
  constructor(
    private readonly jobs: BullJobQueue,
    private readonly owned: JobVisibility<Caller>,
    private readonly callers: AsyncLocalStorage<Caller>,
  ) {
    super(jobs.bull, { readOnlyMode: true, allowRetries: false });
  }

  override async getJob(id: string): Promise<BullJob | undefined> {
    const caller = this.callers.getStore();
    if (!caller) return undefined;
    const job = await this.owned.visibleJob(caller, this.jobs, String(id));
    return job && aligned(job);
  }

  override async getJobs(statuses: string[], start = 0, end = -1): Promise<BullJob[]> {
    const caller = this.callers.getStore();
    if (!caller) return [];
    const states = statuses.filter((s): s is JobState =>
      (JOB_STATES as readonly string[]).includes(s),
    );
    const last = end < 0 ? Number.MAX_SAFE_INTEGER : end;
    const { jobs } = await this.owned.page(caller, this.jobs, states, start, last);
    return jobs.map(aligned);
  }

  override async getJobCounts(): Promise<Bull.JobCounts> {
    const caller = this.callers.getStore();
    const counts = caller ? await this.owned.counts(caller, this.jobs) : emptyCounts();
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

/**
 * The full board's adapter: a job added on the board goes through the runtime's enqueue, so it
 * is checked, stamped and given the manifest's options like any other (Bull Board alone would add
 * it raw: no schema, no retries). A refusal is Bull Board's 400 (409 for a job nothing handles),
 * with the runtime's message.
 */
class EnqueuingBullAdapter extends BullAdapter {
  constructor(
    private readonly jobs: BullJobQueue,
    private readonly enqueuer: Pick<JobEnqueuer, "enqueue">,
  ) {
    super(jobs.bull);
  }

  /** Bull Board's request schema makes `options` an object (`{}` when none was typed). */
  override async addJob(
    name: string,
    data: unknown,
    options: Record<string, unknown>,
  ): Promise<BullJob> {
    const given = boardOptions(options);
    // Bull ignores an add whose id exists: say so rather than answer with the old job.
    if (given.jobId !== undefined && (await this.jobs.bull.getJob(given.jobId)))
      throw new BoardRequestError(
        409,
        "options",
        `${this.jobs.name} has a job ${given.jobId} already; leave jobId out of the options to add a copy`,
      );
    try {
      const job = await this.enqueuer.enqueue(this.jobs.name, name, data, given);
      return job as BullJob;
    } catch (err) {
      throw boardError(err);
    }
  }
}

/**
 * A refused add: Bull Board's page titles it "The "<field>" field in the request body is not
 * valid" and shows the message under it.
 */
class BoardRequestError extends Error {
  constructor(
    readonly statusCode: 400 | 409,
    readonly field: "name" | "data" | "options",
    message: string,
  ) {
    super(message);
  }
}

/** Bull Board's error answers, with a refused add's field named. */
function answerError(err: Error) {
  if (!(err instanceof BoardRequestError)) return boardErrorHandler(err);
  return errorResponse(
    err.statusCode,
    { key: "ERRORS.INVALID_REQUEST_BODY", options: { field: err.field } },
    { message: err.message },
  );
}

/** A refused enqueue as the add's error, naming the field of the form it came from. */
function boardError(err: unknown): unknown {
  const status = err instanceof ChatiaError ? ENQUEUE_REFUSAL_STATUS[err.code] : undefined;
  if (status === undefined || !(err instanceof ChatiaError)) return err;
  const field = err.code === "CF_JOB_BAD_PAYLOAD" ? "data" : "name";
  return new BoardRequestError(status, field, `${err.code}: ${err.message}`);
}

/**
 * The options of a job added on the board that the runtime takes: `delay`, `priority`, `jobId`.
 * The rest (attempts, backoff, removal) come from jobs.yaml; "Duplicate" sends the original's
 * options, Bull's own ones included, so they are passed over rather than refused. Those carry the
 * original's `timestamp`, which no one types: there the original's `jobId` is left out too, so
 * that the copy is a new job (Bull would take it for the original and add nothing).
 */
function boardOptions(options: Record<string, unknown>): EnqueueOptions {
  const { delay, priority, timestamp } = options;
  const jobId = typeof timestamp === "number" ? undefined : options.jobId;
  const problems = enqueueOptionProblems(
    { delayMs: delay, priority },
    { delayMs: "delay", priority: "priority" },
  );
  if (
    jobId !== undefined &&
    !(typeof jobId === "string" && jobId.length > 0 && jobId.length <= 200)
  )
    problems.push("jobId must be a string of 1 to 200 characters");
  if (problems.length > 0)
    throw new BoardRequestError(400, "options", `options: ${problems.join("; ")}`);
  return {
    ...(delay !== undefined && { delayMs: delay as number }),
    ...(priority !== undefined && { priority: priority as number }),
    ...(jobId !== undefined && { jobId: jobId as string }),
  };
}

/**
 * The Bull job behind the view (a BullJobQueue's jobs are Bull's), its attempts shown as Bull
 * Board's own adapter does (one more than Bull's count).
 */
function aligned(view: QueuedJob): BullJob {
  const job = view as BullJob;
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
  server.setErrorHandler(answerError);
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
