// Parsing the queue API's query strings and bodies: anything of the wrong type, size or shape
// becomes an HttpError 400 listing every problem, so that no route meets unchecked input.
import type { ErrorCode } from "../../errors";
import { enqueueOptionProblems, JOB_STATES, type JobState } from "../../services/ports/job-queue";

/** An error a route answers with as it is: `{code, message, details?}` with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export const MAX_PAGE_SIZE = 100;

export interface JobListQuery {
  readonly state: JobState;
  /** 1-based. @defaultValue 1 */
  readonly page: number;
  /** @defaultValue 20 */
  readonly pageSize: number;
}

export interface EnqueueBody {
  readonly name: string;
  readonly data: unknown;
  readonly delayMs?: number;
  readonly priority?: number;
}

export interface CleanBody {
  readonly state: JobState;
  readonly graceMs: number;
  /** 0: every matching job. */
  readonly limit: number;
}

type Fields = Record<string, unknown>;

export function parseJobListQuery(query: unknown): JobListQuery {
  const q = asFields(query, "query");
  const problems: string[] = [];
  const state = q.state === undefined ? "waiting" : q.state;
  if (!isJobState(state)) problems.push(`state must be one of ${JOB_STATES.join(", ")}`);
  const page = intFromQuery(q.page, 1, "page", 1, 1_000_000, problems);
  const pageSize = intFromQuery(q.pageSize, 20, "pageSize", 1, MAX_PAGE_SIZE, problems);
  throwIfAny(problems);
  return { state: state as JobState, page, pageSize };
}

export function parseEnqueueBody(body: unknown): EnqueueBody {
  const b = asFields(body, "body");
  const problems: string[] = [];
  if (typeof b.name !== "string" || b.name.length === 0 || b.name.length > 200)
    problems.push("name must be a non-empty string of at most 200 characters");
  if (!("data" in b)) problems.push("data is required");
  problems.push(...enqueueOptionProblems({ delayMs: b.delayMs, priority: b.priority }));
  throwIfAny(problems);
  return {
    name: b.name as string,
    data: b.data,
    ...(b.delayMs !== undefined && { delayMs: b.delayMs as number }),
    ...(b.priority !== undefined && { priority: b.priority as number }),
  };
}

export function parseCleanBody(body: unknown): CleanBody {
  const b = asFields(body, "body");
  const problems: string[] = [];
  if (!isJobState(b.state)) problems.push(`state must be one of ${JOB_STATES.join(", ")}`);
  checkInt(b.graceMs, "graceMs", 0, Number.MAX_SAFE_INTEGER, problems);
  checkInt(b.limit, "limit", 0, 1_000_000, problems);
  throwIfAny(problems);
  return {
    state: b.state as JobState,
    graceMs: (b.graceMs as number | undefined) ?? 0,
    limit: (b.limit as number | undefined) ?? 0,
  };
}

/** A job id as Bull makes them (numbers) or as callers choose them (`idem-…`, `cf-…`). */
export function parseJobId(id: string): string {
  if (id.length === 0 || id.length > 200) throw badRequest(["id must be 1 to 200 characters"]);
  return id;
}

export function badRequest(problems: string[]): HttpError {
  return new HttpError(400, "CF_API_BAD_REQUEST", problems.join("; "), problems);
}

function isJobState(value: unknown): value is JobState {
  return typeof value === "string" && (JOB_STATES as readonly string[]).includes(value);
}

function asFields(value: unknown, what: string): Fields {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Fields;
  if (value === undefined && what === "query") return {};
  throw badRequest([`${what} must be a JSON object`]);
}

function intFromQuery(
  raw: unknown,
  fallback: number,
  name: string,
  min: number,
  max: number,
  problems: string[],
): number {
  if (raw === undefined) return fallback;
  const value = typeof raw === "string" && /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

function checkInt(value: unknown, name: string, min: number, max: number, problems: string[]) {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max)
    problems.push(`${name} must be a whole number from ${min} to ${max}`);
}

function throwIfAny(problems: string[]): void {
  if (problems.length > 0) throw badRequest(problems);
}
