// A request id for every HTTP request (the caller's `X-Request-Id` when it is a plain token, else a
// new UUID), sent back in `X-Request-Id` and written on the request's log line when it finishes:
// at debug (an access log at info would bury what an operator must see), a 5xx at warn.
import { randomUUID } from "node:crypto";
import type { Request, RequestHandler } from "express";

export interface RequestLogSink {
  warn(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

const REQUEST_ID = Symbol("chatia.requestId");
const CALLER_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** The request's id (set by `requestLog`). */
export function requestIdOf(req: Request): string | undefined {
  return (req as unknown as Record<symbol, string | undefined>)[REQUEST_ID];
}

export function requestLog(log: RequestLogSink): RequestHandler {
  return (req, res, next) => {
    const caller = req.get("x-request-id");
    const id = caller !== undefined && CALLER_ID.test(caller) ? caller : randomUUID();
    (req as unknown as Record<symbol, string>)[REQUEST_ID] = id;
    res.setHeader("X-Request-Id", id);
    const started = performance.now();
    res.once("finish", () => {
      const status = res.statusCode;
      const fields = {
        reqId: id,
        method: req.method,
        // The path only: a query string may carry what does not belong in a log.
        path: req.originalUrl.split("?")[0],
        status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      };
      if (status >= 500) log.warn(fields, "request failed");
      else log.debug(fields, "request");
    });
    next();
  };
}
