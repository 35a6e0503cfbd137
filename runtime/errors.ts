// The one registry of chatia-flow error codes. Every code is documented in the README's error
// table (test/unit/errors.test.ts fails when one is missing), and every error the runtime raises
// carries one of them.

/** What an error means for the job that met it (see README, "Errors"). */
export type ErrorKind =
  /** Bad input or configuration: never retried, reported clearly. */
  | "user"
  /** Network, timeout, connection down: retried with backoff. */
  | "operational"
  /** A bug: retried per policy, logged with its stack. */
  | "unexpected";

interface CodeInfo {
  readonly kind: ErrorKind;
  /** One sentence: what went wrong, for the README table. */
  readonly summary: string;
}

export const ERROR_CODES = {
  CF_MANIFEST_READ: { kind: "user", summary: "The manifest file cannot be read." },
  CF_MANIFEST_SYNTAX: { kind: "user", summary: "The manifest is not well-formed YAML." },
  CF_MANIFEST_DUPLICATE_KEY: {
    kind: "user",
    summary: "A key (queue, job or option name) appears twice in one mapping.",
  },
  CF_MANIFEST_ENV_UNSET: {
    kind: "user",
    summary: "A `${VAR}` or `${VAR:?message}` names an environment variable that is not set.",
  },
  CF_MANIFEST_ENV_SYNTAX: {
    kind: "user",
    summary: "A `${...}` reference is malformed.",
  },
  CF_MANIFEST_UNKNOWN_KEY: { kind: "user", summary: "A key the schema does not know." },
  CF_MANIFEST_MISSING_KEY: { kind: "user", summary: "A required key is missing." },
  CF_MANIFEST_INVALID_VALUE: {
    kind: "user",
    summary: "A value has the wrong type, is out of range or is not one of the allowed values.",
  },
  CF_MANIFEST_CRON: {
    kind: "user",
    summary: "A cron expression does not parse or has not 5 or 6 fields.",
  },
  CF_MANIFEST_TZ: { kind: "user", summary: "A time zone is not a known IANA zone." },
  CF_MANIFEST_FLOW_REUSED: { kind: "user", summary: "Two jobs name the same flow." },
  CF_MANIFEST_PAYLOAD_MISSING: { kind: "user", summary: "A payload schema file does not exist." },
  CF_MANIFEST_PAYLOAD_INVALID: {
    kind: "user",
    summary: "A payload schema file is not valid JSON or not a valid JSON Schema.",
  },
  CF_MANIFEST_DATA_INVALID: {
    kind: "user",
    summary: "A cron job's `data` does not satisfy its payload schema.",
  },
  CF_MANIFEST_CONFLICT: {
    kind: "user",
    summary:
      "Options that do not make sense together (e.g. `tz` without `cron`, `maxDelay` below `delay`).",
  },
  CF_DB_CONNECT: { kind: "operational", summary: "Postgres cannot be reached." },
  CF_DB_MIGRATION: {
    kind: "unexpected",
    summary: "A database migration failed; it was rolled back.",
  },
  CF_CLI_USAGE: { kind: "user", summary: "A command-line argument is missing or wrong." },
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Base class of every error chatia-flow raises on purpose. */
export class ChatiaError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ChatiaError";
    this.code = code;
    this.kind = ERROR_CODES[code].kind;
    if (options?.details !== undefined) this.details = options.details;
  }
}
