// One body limit for the whole API: a body over it is refused with 413 `CF_API_TOO_LARGE` before
// any route or authentication reads it, and JSON that does not parse with 400 `CF_API_BAD_REQUEST`.
import express, { type ErrorRequestHandler, type RequestHandler } from "express";
import { sendError } from "./errors";

/** The API's body limit, bytes (256 kB). */
export const API_BODY_LIMIT_BYTES = 256 * 1024;

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
  return [declared, express.json({ limit: limitBytes }), parseErrors];
}
