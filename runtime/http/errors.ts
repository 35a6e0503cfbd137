// The API's error responses: one JSON shape, `{code, message, details?}`, for every route.
import type { Response } from "express";
import type { ErrorCode } from "../errors";

export interface ApiErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: unknown;
}

/** Sends `{code, message, details?}` with `status`. */
export function sendError(
  res: Response,
  status: number,
  code: ErrorCode,
  message: string,
  details?: unknown,
): void {
  const body: ApiErrorBody = details === undefined ? { code, message } : { code, message, details };
  res.status(status).json(body);
}
