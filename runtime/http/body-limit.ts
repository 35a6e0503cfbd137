// One body limit for the whole API: a body over it is refused with 413 `CF_API_TOO_LARGE` before
// any route or authentication reads it, and JSON that does not parse, or nests deeper than any
// request needs (a 10,000-deep body would overflow the stack of whatever walks it), with 400
// `CF_API_BAD_REQUEST`. The same guard stands in front of the editor's admin API and Bull Board.
import express, { type ErrorRequestHandler, type RequestHandler } from "express";
import { sendError } from "./errors";

/** The API's body limit, bytes (256 kB). */
export const API_BODY_LIMIT_BYTES = 256 * 1024;

/** The deepest nesting of arrays and objects a JSON body may have. */
export const API_BODY_MAX_DEPTH = 32;

/** The editor's admin API (deploys carry every flow): Node-RED's own 5 MB, nested at most 64 deep. */
export const EDITOR_BODY_LIMIT: JsonBodyLimit = {
  limitBytes: 5 * 1024 * 1024,
  maxDepth: 64,
  what: "the editor's limit",
};

/** Bull Board (a super-admin's job data, actions): 1 MB, nested as deep as the API allows. */
export const BOARD_BODY_LIMIT: JsonBodyLimit = {
  limitBytes: 1024 * 1024,
  maxDepth: API_BODY_MAX_DEPTH,
  what: "the board's limit",
};

/** Mount at `/api`: checks Content-Length, then parses JSON bodies within the limit. */
export function apiBodyLimit(
  limitBytes = API_BODY_LIMIT_BYTES,
): (RequestHandler | ErrorRequestHandler)[] {
  return jsonBodyLimit({ limitBytes, maxDepth: API_BODY_MAX_DEPTH, what: "the API's limit" });
}

export interface JsonBodyLimit {
  readonly limitBytes: number;
  readonly maxDepth: number;
  /** Named in the 413's message ("the editor's limit"). */
  readonly what: string;
}

/**
 * The same guard in front of a surface that parses JSON itself (the editor's admin API, Bull
 * Board): the body is parsed here, within the limits, and marked as read, so that the surface's
 * own body-parser takes it as it is (body-parser 1.x skips a request with `_body` set, 2.x one
 * whose stream has ended). Errors are JSON: 413 CF_API_TOO_LARGE, 400 CF_API_BAD_REQUEST.
 */
export function jsonBodyLimit(limit: JsonBodyLimit): (RequestHandler | ErrorRequestHandler)[] {
  const { limitBytes, maxDepth } = limit;
  const tooLarge = `the request body is over ${limit.what} of ${Math.round(limitBytes / 1024)} kB`;
  const declared: RequestHandler = (req, res, next) => {
    const length = Number(req.get("content-length") ?? 0);
    if (!(length > limitBytes)) return next();
    // The body is not read: close the connection rather than drain it.
    res.setHeader("Connection", "close");
    sendError(res, 413, "CF_API_TOO_LARGE", tooLarge);
  };
  const parseErrors: ErrorRequestHandler = (err, _req, res, next) => {
    const type = (err as { type?: unknown } | null)?.type;
    if (type === "entity.too.large") return sendError(res, 413, "CF_API_TOO_LARGE", tooLarge);
    if (typeof type === "string")
      return sendError(res, 400, "CF_API_BAD_REQUEST", `request body refused: ${type}`);
    next(err);
  };
  const shallow: RequestHandler = (req, res, next) => {
    (req as unknown as { _body?: boolean })._body ||= req.body !== undefined;
    if (depthOver(req.body, maxDepth))
      return sendError(
        res,
        400,
        "CF_API_BAD_REQUEST",
        `the request body nests deeper than ${maxDepth} levels`,
      );
    next();
  };
  return [declared, express.json({ limit: limitBytes }), parseErrors, shallow];
}

/** Whether `value` nests arrays and objects deeper than `max` (walked without recursion). */
export function depthOver(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (typeof node !== "object" || node === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}
