// How long the runtime waits for Postgres, Redis and an API request before it gives up: every
// wait on another service is bounded, so a stalled service shows as errors and 503s, not hangs.
// Each bound comes from the environment (documented in docs/operations.md, "Environment").
import { ChatiaError } from "./errors";

export interface Timeouts {
  /** Opening a Postgres connection (TCP and its start-up answer). @defaultValue 5000 */
  readonly dbConnectMs: number;
  /** One SQL statement, enforced by Postgres and, one second later, by the client. @defaultValue 60000 */
  readonly dbStatementMs: number;
  /** Opening a Redis connection (TCP). @defaultValue 5000 */
  readonly redisConnectMs: number;
  /** One Redis command of the shared clients (never a blocking one). @defaultValue 10000 */
  readonly redisCommandMs: number;
  /** One API request, until it is answered 503 CF_API_TIMEOUT. @defaultValue 15000 */
  readonly apiRequestMs: number;
  /** Each check of /readyz. @defaultValue 2000 */
  readonly readyCheckMs: number;
}

const VARIABLES: Record<keyof Timeouts, readonly [string, number]> = {
  dbConnectMs: ["CHATIA_DB_CONNECT_TIMEOUT_MS", 5_000],
  dbStatementMs: ["CHATIA_DB_STATEMENT_TIMEOUT_MS", 60_000],
  redisConnectMs: ["CHATIA_REDIS_CONNECT_TIMEOUT_MS", 5_000],
  redisCommandMs: ["CHATIA_REDIS_COMMAND_TIMEOUT_MS", 10_000],
  apiRequestMs: ["CHATIA_API_TIMEOUT_MS", 15_000],
  readyCheckMs: ["CHATIA_READY_TIMEOUT_MS", 2_000],
};

/** The bounds the environment sets, each a whole number of milliseconds ≥ 1 (CF_CONFIG_INVALID otherwise). */
export function timeoutsFromEnv(env: NodeJS.ProcessEnv = process.env): Timeouts {
  const entries = Object.entries(VARIABLES).map(([key, [variable, fallback]]) => {
    const text = env[variable]?.trim();
    if (text === undefined || text === "") return [key, fallback];
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 1)
      throw new ChatiaError(
        "CF_CONFIG_INVALID",
        `${variable} must be a whole number of milliseconds ≥ 1, not "${text}"`,
      );
    return [key, value];
  });
  return Object.fromEntries(entries) as unknown as Timeouts;
}
