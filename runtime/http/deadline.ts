// The API's request deadline: a request that has not been answered within it gets 503
// CF_API_TIMEOUT, whatever it is waiting for (a stalled Postgres or Redis), so no client waits
// longer than the deadline. The work it started may still finish: an enqueue names the job it was
// adding (`res.locals.jobId`), so the client is told which job may still run.
import type { ErrorRequestHandler, RequestHandler, Response } from "express";
import { sendError } from "./errors";
import { requestIdOf } from "./request-log";

interface DeadlineLocals {
  /** Set by a route before it adds a job: the id the job will have. */
  jobId?: string;
  /** Set once the deadline has answered for the route. */
  deadlinePassed?: boolean;
}

const locals = (res: Response) => res.locals as DeadlineLocals;

/** Tells the deadline which job the request is adding (see the file comment). */
export function addingJob(res: Response, jobId: string): void {
  locals(res).jobId = jobId;
}

/** Answers 503 CF_API_TIMEOUT to any request not answered within `timeoutMs`. */
export function requestDeadline(timeoutMs: number): RequestHandler {
  return (_req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      const state = locals(res);
      state.deadlinePassed = true;
      const waited = `the request was not done within ${timeoutMs} ms (Postgres or Redis is slow or unreachable)`;
      if (state.jobId === undefined) {
        sendError(
          res,
          503,
          "CF_API_TIMEOUT",
          `${waited}; nothing is known to have changed: try again`,
        );
        return;
      }
      sendError(
        res,
        503,
        "CF_API_TIMEOUT",
        `${waited}; job ${state.jobId} may still be added and run: look it up before enqueueing it again, or send the same Idempotency-Key`,
        { jobId: state.jobId, mayStillRun: true },
      );
    }, timeoutMs);
    timer.unref();
    const clear = () => clearTimeout(timer);
    res.once("finish", clear);
    res.once("close", clear);
    next();
  };
}

/**
 * What a request whose deadline already answered does afterwards (its answer, or its error) is
 * only logged: the client has its 503.
 */
export function afterDeadline(log: {
  warn(fields: Record<string, unknown>, message: string): void;
}): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (!locals(res).deadlinePassed) return next(err);
    const late = (err as { code?: unknown } | null)?.code === "ERR_HTTP_HEADERS_SENT";
    log.warn(
      { ...(late ? {} : { err }), reqId: requestIdOf(req), path: req.path },
      late
        ? "API request finished after its deadline had answered 503"
        : "API request failed after its deadline had answered 503",
    );
  };
}
