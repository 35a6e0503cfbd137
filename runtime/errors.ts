// The one registry of chatia-flow error codes. Every code is documented in the error table of
// docs/errors.md (test/unit/docs.test.ts fails when one is missing), and every error the runtime
// raises carries one of them.

/** What an error means for the job that met it (see docs/errors.md). */
export type ErrorKind =
  /** Bad input or configuration: never retried, reported clearly. */
  | "user"
  /** Network, timeout, connection down: retried with backoff. */
  | "operational"
  /** A bug: retried per policy, logged with its stack. */
  | "unexpected";

interface CodeInfo {
  readonly kind: ErrorKind;
  /** One sentence: what went wrong. */
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
  CF_FLOW_DEPLOY_REFUSED: {
    kind: "user",
    summary:
      "A deploy from the editor was refused and nothing saved: two tabs give the same flow id, or a tab's name gives none.",
  },
  CF_DB_CONNECT: { kind: "operational", summary: "Postgres cannot be reached." },
  CF_REDIS_CONNECT: { kind: "operational", summary: "Redis cannot be reached." },
  CF_REDIS_ENDED: {
    kind: "operational",
    summary: "A Redis client of the process ended for good; the process exits to be restarted.",
  },
  CF_DB_MIGRATION: {
    kind: "unexpected",
    summary: "A database migration failed; it was rolled back.",
  },
  CF_CLI_USAGE: { kind: "user", summary: "A command-line argument is missing or wrong." },
  CF_CONFIG_MISSING: {
    kind: "user",
    summary:
      "A setting the runtime needs (a secret, a URL) is not set; outside demo mode nothing is generated.",
  },
  CF_CONFIG_INVALID: {
    kind: "user",
    summary:
      "A setting has a value the runtime cannot use (e.g. `CHATIA_CORS_ORIGINS` listing something that is not an http(s) origin).",
  },

  // Jobs and their flows (runtime/queues, runtime/flow-bridge).
  CF_JOB_UNKNOWN: {
    kind: "user",
    summary:
      "The job's queue/name is not in the manifest, or the job is declared `enabled: false`.",
  },
  CF_JOB_NOT_HANDLED: {
    kind: "user",
    summary:
      "The job is declared in the manifest but its flow does not exist yet: nothing runs it, so enqueueing it is refused (`validate` and the runtime warn about it); build its flow in the editor and deploy.",
  },
  CF_JOB_BAD_PAYLOAD: {
    kind: "user",
    summary: "The job's data does not satisfy its payload schema.",
  },
  CF_JOB_TIMEOUT: {
    kind: "operational",
    summary: "The job's flow did not settle it within its `timeout`.",
  },
  CF_FLOW_NOT_RUNNING: {
    kind: "operational",
    summary:
      "No running flow has a `job in` node for the job (flows not started, or being deployed).",
  },
  CF_FLOW_REDEPLOYED: {
    kind: "operational",
    summary:
      "The job's flow was stopped (deploy or shutdown) while the job was in it; it is retried.",
  },
  CF_FLOW_ERROR: {
    kind: "unexpected",
    summary: "A node of the job's flow reported an error that no Catch node handled.",
  },
  CF_FLOW_FAILED: {
    kind: "user",
    summary: "The flow failed the job on purpose through a `job out` node.",
  },
  CF_FLOW_INVALID: {
    kind: "user",
    summary:
      "A flow file is missing, malformed, or does not fit its job (no `job in`, no `job out`, unknown node types).",
  },
  CF_FLOW_SIGNATURE: {
    kind: "user",
    summary:
      "Flows found in Redis carry no valid signature of the api process, or are older than a set the worker has seen; a worker refuses them and keeps its flows.",
  },

  // Pacing (runtime/adapters/redis/keyed-pacer.ts).
  CF_PACE_INVALID: {
    kind: "user",
    summary:
      "A pacing rule is invalid (`max` not a whole number >= 1, `duration` not > 0, `jitter` < 0) or its key is empty.",
  },

  // WhatsApp gateway (runtime/adapters/whatsapp): what a send or status call can meet.
  CF_WA_DISCONNECTED: {
    kind: "operational",
    summary:
      "The WhatsApp connection is not connected (disconnected, opening or waiting for a QR scan).",
  },
  CF_WA_SEND_FAILED: { kind: "operational", summary: "WhatsApp did not accept the message." },
  CF_WA_DAILY_CAP: {
    kind: "operational",
    summary:
      "The connection has sent its `dailyCap` messages today (the manifest's limiter); nothing was sent, and the job is retried per its attempts.",
  },
  CF_WA_TIMEOUT: { kind: "operational", summary: "A WhatsApp send did not complete in time." },
  CF_WA_BAD_RECIPIENT: {
    kind: "user",
    summary: "The recipient's number or jid is not a valid WhatsApp address.",
  },
  CF_WA_BAD_MESSAGE: {
    kind: "user",
    summary: "A message has neither text nor media, or its media has no path.",
  },
  CF_WA_SEND_UNCONFIRMED: {
    kind: "operational",
    summary:
      "The connection closed while a send was under way: WhatsApp may or may not have the message (treated as in doubt, never re-sent blindly).",
  },

  // Sending messages (runtime/services/message.service.ts): what a send meets before and after
  // the gateway. A send is recorded in the send ledger ("SendLedger") under an idempotency key,
  // so a retried job never sends twice.
  CF_WA_UNKNOWN_CONNECTION: {
    kind: "user",
    summary:
      "The WhatsApp connection (`whatsappId`) does not exist, was deleted, or belongs to another company.",
  },
  CF_MEDIA_OUTSIDE: {
    kind: "user",
    summary:
      "A media path leads outside the company's media folder (`..`, or an absolute path elsewhere).",
  },
  CF_MEDIA_MISSING: {
    kind: "user",
    summary: "A media file does not exist in the company's media folder (or is not a file).",
  },
  CF_SEND_IN_DOUBT: {
    kind: "user",
    summary:
      "An earlier attempt of this send may have reached WhatsApp but recorded no outcome (it crashed or timed out after handing the message over); it is not sent again.",
  },
  CF_SEND_IN_PROGRESS: {
    kind: "operational",
    summary:
      "Another live attempt holds this send's claim and did not settle it in time; nothing was sent by this one (retried: it then finds the outcome).",
  },
  CF_SEND_KEY_REUSED: {
    kind: "user",
    summary:
      "The send's idempotency key was already used for a message to another recipient or through another connection.",
  },

  // Scheduled messages (runtime/services/schedule.service.ts).
  CF_SCHEDULE_INVALID: {
    kind: "user",
    summary:
      "A scheduled message cannot be sent as stored (unknown `intervalo`, no connection for its company); it is set to ERRO.",
  },

  // Campaigns (runtime/services/campaign.service.ts).
  CF_CAMPAIGN_INVALID: {
    kind: "user",
    summary:
      "A campaign shipping cannot be sent as stored (no message text nor media, no connection); the shipping gets failedAt and the reason.",
  },
  CF_CAMPAIGN_SENDER_BUSY: {
    kind: "operational",
    summary:
      "Another process held the connection's campaign sender for too long; the dispatch is retried.",
  },

  // Message texts (runtime/services/message-template.ts).
  CF_TEMPLATE_INVALID: {
    kind: "user",
    summary:
      "A ticket message template is not valid Mustache (e.g. a section opened and never closed).",
  },

  // Tickets (runtime/services/ticket.service.ts).
  CF_TICKET_INVALID: {
    kind: "user",
    summary:
      "A ticket cannot be found or opened as asked: the ticket, contact, queue or user is not the company's, or the status or number is not valid.",
  },

  // Chatia nodes (nodes/): what a node finds wrong with its input.
  CF_NODE_INPUT: {
    kind: "user",
    summary:
      "A node's property is missing or has the wrong type for the message (e.g. `send whatsapp` without a connection id).",
  },
  // HTTP API (runtime/http). Authentication codes are shared with the auth middleware.
  CF_AUTH_REQUIRED: {
    kind: "user",
    summary: "The request carries no valid credentials (401).",
  },
  CF_AUTH_FORBIDDEN: {
    kind: "user",
    summary: "The caller is authenticated but may not do this (e.g. not an admin) (403).",
  },
  CF_API_BAD_REQUEST: {
    kind: "user",
    summary: "A request's parameters or body have the wrong type, size or shape (400).",
  },
  CF_API_NOT_FOUND: {
    kind: "user",
    summary: "The queue or job does not exist, or belongs to another company (404).",
  },
  CF_API_CONFLICT: {
    kind: "user",
    summary:
      "The job is not in a state that allows the action (e.g. retry of a job that has not failed) (409).",
  },
  CF_API_TOO_LARGE: { kind: "user", summary: "The request body is over the API's limit (413)." },
  CF_API_TIMEOUT: {
    kind: "operational",
    summary:
      "The request was not done within the API's deadline (`CHATIA_API_TIMEOUT_MS`), usually because Postgres or Redis is slow or unreachable (503); an enqueue names in `details.jobId` the job that may still run.",
  },
  CF_API_INTERNAL: {
    kind: "unexpected",
    summary: "An API request failed on a bug; it is logged with its stack (500).",
  },
  // Authentication (runtime/http/auth).
  CF_AUTH_INVALID: {
    kind: "user",
    summary:
      "Wrong email or password, or a token that is malformed, expired, revoked or unknown (401).",
  },
  CF_AUTH_RATE_LIMITED: {
    kind: "user",
    summary: "Too many failed logins for this address and email; wait and try again (429).",
  },
  CF_AUTH_BUSY: {
    kind: "operational",
    summary: "Too many password checks are under way; try again in a moment (503).",
  },
  // Tenancy (runtime/tenancy).
  CF_TENANCY_SYSTEM_JOB: {
    kind: "user",
    summary:
      "The job is a system job (a cron job, or one whose owner cannot be resolved): only a super-admin may start or act on it (403).",
  },
  CF_TENANCY_OWNER_UNKNOWN: {
    kind: "user",
    summary:
      "`send whatsapp` refused a send whose company is not known (the job's owner does not resolve, or is not the company stated; or no company set for a message of no owned job).",
  },
  CF_TENANCY_QUOTA: {
    kind: "user",
    summary:
      "A company's enqueue quota is used up (enqueues per minute, or jobs waiting); `details` says which (429).",
  },
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The HTTP status of an enqueue refused for what its caller sent (the API and Bull Board alike). */
export const ENQUEUE_REFUSAL_STATUS: Readonly<Partial<Record<ErrorCode, 400 | 409>>> = {
  CF_JOB_BAD_PAYLOAD: 400,
  CF_JOB_UNKNOWN: 400,
  CF_JOB_NOT_HANDLED: 409,
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_CODES, value);
}

/** Base class of every error chatia-flow raises on purpose. */
export class ChatiaError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly details?: unknown;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: unknown; kind?: ErrorKind },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    // Node's convention (`TypeError [ERR_X]: …`): the stack's first line carries the code. Bull keeps
    // each failed attempt's stack, so the code of a job's failure can be read back (node-failure.ts).
    // V8 formats the stack on first access: read it once under the longer name.
    this.name = `ChatiaError [${code}]`;
    void this.stack;
    this.name = "ChatiaError";
    this.code = code;
    this.kind = options?.kind ?? ERROR_CODES[code].kind;
    if (options?.details !== undefined) this.details = options.details;
  }
}
