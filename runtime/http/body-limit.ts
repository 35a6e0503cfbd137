// One body limit for the whole API: a body over it is refused with 413 `CF_API_TOO_LARGE` before
// any route or authentication reads it, and JSON that does not parse, or nests deeper than any
// request needs (a 10,000-deep body would overflow the stack of whatever walks it), with 400
// `CF_API_BAD_REQUEST`.
import express, { type ErrorRequestHandler, type RequestHandler } from "express";
import { sendError } from "./errors";

/** The API's body limit, bytes (256 kB). */
export const API_BODY_LIMIT_BYTES = 256 * 1024;

/** The deepest nesting of arrays and objects a JSON body may have. */
export const API_BODY_MAX_DEPTH = 32;

/** Mount at `/api`: checks Content-Length, then parses JSON bodies within the limit. */
export function apiBodyLimit(
  limitBytes = API_BODY_LIMIT_BYTES,
): (RequestHandler | ErrorRequestHandler)[] {
  const tooLarge = `the request body is over the API's limit of ${Math.round(limitBytes / 1024)} kB`;
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
    if (depthOver(req.body, API_BODY_MAX_DEPTH))
      return sendError(
        res,
        400,
        "CF_API_BAD_REQUEST",
        `the request body nests deeper than ${API_BODY_MAX_DEPTH} levels`,
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
