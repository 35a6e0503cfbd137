// The OpenAPI 3.1 document of the queue API (runtime/http/routes), served at /api/openapi.json.
// test/api/queues-router.test.ts validates every response it gets against these schemas.

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string) => ({ type: [type, "null"] });
const json = (schema: object) => ({ "application/json": { schema } });
const ok = (schema: object, description = "OK") => ({ description, content: json(schema) });
const error = (description: string) => ({ description, content: json(ref("Error")) });

const errors = {
  "400": error("Bad input (`CF_API_BAD_REQUEST`, `CF_JOB_BAD_PAYLOAD`, `CF_JOB_UNKNOWN`)"),
  "401": error("No credentials (`CF_AUTH_REQUIRED`)"),
  "403": error(
    "Not allowed (`CF_AUTH_FORBIDDEN`), or a system job a company may not start (`CF_TENANCY_SYSTEM_JOB`)",
  ),
  "404": error(
    "No such queue, job or row, or one of another company (`CF_API_NOT_FOUND`); a system job to anyone but a super-admin",
  ),
  "409": error("The job's state does not allow the action (`CF_API_CONFLICT`)"),
  "413": error("Body over 256 kB (`CF_API_TOO_LARGE`)"),
  "429": error(
    "Too many requests: failed logins (`CF_AUTH_RATE_LIMITED`) or a company's enqueue quota (`CF_TENANCY_QUOTA`)",
  ),
  "503": error(
    "Too many password checks under way (`CF_AUTH_BUSY`; retry shortly), or not done within the API's deadline: Postgres or Redis slow or unreachable (`CF_API_TIMEOUT`; an enqueue names in `details.jobId` the job that may still run)",
  ),
};
const pick = (...codes: (keyof typeof errors)[]) =>
  Object.fromEntries(codes.map((c) => [c, errors[c]]));
const queueParam = { name: "queue", in: "path", required: true, schema: { type: "string" } };
const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };
const body = (schema: object) => ({ required: true, content: json(schema) });
const states = ["waiting", "active", "delayed", "completed", "failed", "paused"];
const object = (properties: Record<string, object>, required = Object.keys(properties)) => ({
  type: "object",
  properties,
  required,
});

const schemas = {
  Error: object(
    { code: { type: "string", pattern: "^CF_[A-Z_]+$" }, message: { type: "string" }, details: {} },
    ["code", "message"],
  ),
  JobState: { type: "string", enum: states },
  RateLimit: {
    type: ["object", "null"],
    properties: {
      max: { type: "integer" },
      durationMs: { type: "integer" },
      per: { type: "string" },
      jitterMs: { type: "integer" },
      paces: { enum: ["starts", "sends"] },
      dailyCap: object({ max: { type: "integer" }, tz: { type: "string" } }),
    },
    required: ["max", "durationMs", "jitterMs", "paces"],
  },
  Queue: object({
    name: { type: "string" },
    description: nullable("string"),
    counts: object(Object.fromEntries(states.map((s) => [s, { type: "integer", minimum: 0 }]))),
    paused: { type: "boolean" },
    concurrency: { type: "integer", minimum: 1 },
    rateLimit: ref("RateLimit"),
  }),
  JobSummary: object({
    id: { type: "string" },
    name: { type: "string" },
    data: {},
    attemptsMade: { type: "integer" },
    timestamp: { type: "integer" },
    processedOn: nullable("integer"),
    finishedOn: nullable("integer"),
    failedReason: nullable("string"),
  }),
  JobDetail: {
    allOf: [
      ref("JobSummary"),
      object({
        queue: { type: "string" },
        state: { type: "string" },
        opts: { type: "object" },
        stacktrace: { type: "array", items: { type: "string" } },
        returnvalue: {},
        logs: { type: "array", items: { type: "string" } },
      }),
    ],
  },
  JobPage: object({
    queue: { type: "string" },
    state: ref("JobState"),
    page: { type: "integer", minimum: 1 },
    pageSize: { type: "integer", minimum: 1, maximum: 100 },
    total: { type: "integer", minimum: 0 },
    jobs: { type: "array", items: ref("JobSummary") },
  }),
  ManifestJob: object({
    name: { type: "string" },
    description: nullable("string"),
    flow: { type: "string" },
    enabled: { type: "boolean" },
    hasPayloadSchema: { type: "boolean" },
    timeoutMs: { type: "integer" },
    options: object({ attempts: { type: "integer" }, delay: { type: "integer" } }),
    repeat: {
      type: ["object", "null"],
      properties: { cron: { type: "string" }, tz: { type: "string" } },
    },
    data: { type: ["object", "null"] },
  }),
  EffectiveManifest: object(
    {
      source: { type: "string" },
      queues: {
        type: "array",
        items: object({
          name: { type: "string" },
          description: nullable("string"),
          concurrency: { type: "integer" },
          rateLimit: ref("RateLimit"),
          settings: { type: "object" },
          jobs: { type: "array", items: ref("ManifestJob") },
        }),
      },
    },
    ["source", "queues"],
  ),
  Repeatable: object(
    {
      queue: { type: "string" },
      name: { type: "string" },
      key: { type: "string" },
      id: nullable("string"),
      cron: { type: "string" },
      tz: nullable("string"),
      next: { type: "integer" },
    },
    ["queue", "name", "cron"],
  ),
  CronPlan: object({
    add: { type: "array", items: ref("Repeatable") },
    remove: { type: "array", items: ref("Repeatable") },
    keep: { type: "array", items: ref("Repeatable") },
    rearm: {
      type: "array",
      items: ref("Repeatable"),
      description:
        "Wanted triggers whose next run is gone (removed or cleaned): apply re-arms them",
    },
  }),
  LoginRequest: object({
    email: { type: "string", format: "email" },
    password: { type: "string", minLength: 1 },
  }),
  RefreshRequest: object({ refreshToken: { type: "string", minLength: 1 } }),
  Session: object({
    accessToken: { type: "string", description: "HS256 JWT; send as `Authorization: Bearer`" },
    refreshToken: { type: "string", description: "Single use: /api/auth/refresh rotates it" },
    expiresIn: { type: "integer", description: "Seconds until the access token expires" },
    user: object({
      id: { type: "integer" },
      name: { type: "string" },
      email: { type: "string" },
      profile: { enum: ["admin", "user"] },
      companyId: nullable("integer"),
      super: { type: "boolean" },
    }),
  }),
  EnqueueRequest: {
    ...object(
      {
        name: { type: "string", minLength: 1, maxLength: 200 },
        data: {},
        delayMs: { type: "integer", minimum: 0 },
        priority: { type: "integer", minimum: 1 },
      },
      ["name", "data"],
    ),
  },
  CleanRequest: object(
    {
      state: ref("JobState"),
      graceMs: { type: "integer", minimum: 0, default: 0 },
      limit: { type: "integer", minimum: 0, default: 0, description: "0: every matching job" },
    },
    ["state"],
  ),
  JobAction: object({ id: { type: "string" }, action: { enum: ["retry", "remove", "promote"] } }),
  QueuePaused: object({ queue: { type: "string" }, paused: { type: "boolean" } }),
  Cleaned: object({
    queue: { type: "string" },
    state: ref("JobState"),
    removed: { type: "array", items: { type: "string" } },
  }),
  Enqueued: object({ id: { type: "string" } }),
  CampaignProgress: object({
    id: { type: "integer" },
    status: { enum: ["INATIVA", "PROGRAMADA", "EM_ANDAMENTO", "CANCELADA", "FINALIZADA"] },
    total: {
      type: "integer",
      minimum: 0,
      description:
        "Contacts of its list (of its snapshot once started) while it runs; its shippings once FINALIZADA",
    },
    sent: { type: "integer", minimum: 0, description: "Shippings delivered" },
    failed: { type: "integer", minimum: 0, description: "Shippings that will not be sent" },
    pending: { type: "integer", minimum: 0, description: "total − sent − failed" },
    eta: {
      type: ["string", "null"],
      format: "date-time",
      description: "While EM_ANDAMENTO, at the pace seen so far (two settled shippings needed)",
    },
  }),
  CampaignCancelled: object({
    id: { type: "integer" },
    status: { const: "CANCELADA" },
    cancelled: { type: "boolean", description: "false when it already was CANCELADA" },
    removedJobs: {
      type: "integer",
      minimum: 0,
      description: "Its waiting or delayed jobs removed from Bull",
    },
  }),
};
const campaignParam = {
  name: "id",
  in: "path",
  required: true,
  schema: { type: "integer", minimum: 1, maximum: 2147483647 },
};

const jobAction = (action: string, summary: string, conflict: string) => ({
  post: {
    summary,
    description: `Admins only; 409 when the job ${conflict}.`,
    parameters: [queueParam, idParam],
    responses: { "200": ok(ref("JobAction")), ...pick("401", "403", "404", "409") },
    operationId: `${action}Job`,
  },
});

export const openApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "chatia-flow queue and campaign API",
    version: "1",
    description:
      "Log in with POST /api/auth/login, then send the access token (or an API token, `cfa_…`) " +
      "as `Authorization: Bearer` on every endpoint but this document and /api/auth/*. " +
      "Every job has an owner company, resolved from what it references (connection, campaign, " +
      "schedule); a job whose owner cannot be resolved, and every cron job, is a system job. A " +
      "super-admin sees every job; anyone else only their company's, and any other job is " +
      "answered 404. Mutations need an admin; pause, resume and clean (whole queues) need a " +
      "super-admin. Errors are {code, message, details?}.",
  },
  servers: [{ url: "/" }],
  security: [{ bearer: [] }],
  jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
  paths: {
    "/api/openapi.json": {
      get: {
        summary: "This document",
        operationId: "getOpenApi",
        security: [],
        responses: { "200": ok({ type: "object" }) },
      },
    },
    "/api/auth/login": {
      post: {
        summary: "Log in with email and password: an access token and a refresh token",
        description:
          "A wrong password and an unknown email get the same 401. Failed logins are limited per " +
          "client address and per address and email (429), counted with the admin form's and the " +
          "editor's; past the password checks a process runs at once, 503 `CF_AUTH_BUSY`.",
        security: [],
        requestBody: body(ref("LoginRequest")),
        responses: {
          "200": ok(ref("Session")),
          "401": error("Wrong email or password (`CF_AUTH_INVALID`)"),
          ...pick("400", "413", "429", "503"),
        },
        operationId: "login",
      },
    },
    "/api/auth/refresh": {
      post: {
        summary: "A new token pair for a refresh token (which is revoked)",
        description:
          "Presenting a revoked refresh token again revokes every session of its user. Refused " +
          "refresh tokens count against the client address's budget of failed logins (429).",
        security: [],
        requestBody: body(ref("RefreshRequest")),
        responses: {
          "200": ok(ref("Session")),
          "401": error("Invalid, expired, revoked or reused refresh token (`CF_AUTH_INVALID`)"),
          ...pick("400", "413", "429"),
        },
        operationId: "refresh",
      },
    },
    "/api/auth/logout": {
      post: {
        summary: "Revoke a refresh token",
        security: [],
        requestBody: body(ref("RefreshRequest")),
        responses: { "204": { description: "Revoked" }, ...pick("400", "413") },
        operationId: "logout",
      },
    },
    "/api/manifest": {
      get: {
        summary: "The effective manifest: queues and jobs of the running plan with their options",
        operationId: "getManifest",
        responses: { "200": ok(ref("EffectiveManifest")), ...pick("401") },
      },
    },
    "/api/plan": {
      get: {
        summary:
          "Cron triggers: what Redis has against what the manifest wants (super-admins: the triggers are system jobs)",
        operationId: "getPlan",
        responses: { "200": ok(ref("CronPlan")), ...pick("401", "403") },
      },
    },
    "/api/queues": {
      get: {
        summary:
          "The plan's queues with their job counts by state (queue-wide for a super-admin, the caller's company's jobs otherwise)",
        operationId: "listQueues",
        responses: {
          "200": ok(object({ queues: { type: "array", items: ref("Queue") } })),
          ...pick("401"),
        },
      },
    },
    "/api/queues/{queue}/jobs": {
      get: {
        summary: "One page of the jobs in a state, newest first",
        operationId: "listJobs",
        parameters: [
          queueParam,
          { name: "state", in: "query", schema: { ...ref("JobState"), default: "waiting" } },
          { name: "page", in: "query", schema: { type: "integer", minimum: 1, default: 1 } },
          {
            name: "pageSize",
            in: "query",
            schema: { type: "integer", minimum: 1, maximum: 100, default: 20 },
          },
        ],
        responses: { "200": ok(ref("JobPage")), ...pick("400", "401", "404") },
      },
      post: {
        summary: "Enqueue a job; its data is checked against the job's payload schema",
        operationId: "enqueueJob",
        description:
          "Admins only. A company may start only the jobs it owns (MessageQueue/SendMessage, " +
          "CampaignQueue/ProcessCampaign; never a cron's job: 403), and every row and media " +
          "file the data reference must be its own (404, nothing enqueued); the job gets its " +
          "company as data.companyId. Company quotas: enqueues per minute, jobs waiting, body " +
          "size (429). With an Idempotency-Key header, a repeat (same key, same company) " +
          "enqueues nothing and answers the first job's id. 409 `CF_JOB_NOT_HANDLED` for a job " +
          "declared before its flow exists.",
        parameters: [
          queueParam,
          { name: "Idempotency-Key", in: "header", schema: { type: "string", maxLength: 200 } },
        ],
        requestBody: body(ref("EnqueueRequest")),
        responses: {
          "201": ok(ref("Enqueued"), "Enqueued"),
          ...pick("400", "401", "403", "404", "413", "429", "503"),
          "409": error(
            "The job is declared, not handled: its flow does not exist yet (`CF_JOB_NOT_HANDLED`)",
          ),
        },
      },
    },
    "/api/queues/{queue}/jobs/{id}": {
      get: {
        summary: "A job with its options, result, stack traces, logs and state",
        operationId: "getJob",
        parameters: [queueParam, idParam],
        responses: { "200": ok(ref("JobDetail")), ...pick("400", "401", "404") },
      },
    },
    "/api/queues/{queue}/jobs/{id}/retry": jobAction(
      "retry",
      "Retry a failed job",
      "has not failed",
    ),
    "/api/queues/{queue}/jobs/{id}/remove": jobAction("remove", "Remove a job", "is active"),
    "/api/queues/{queue}/jobs/{id}/promote": jobAction(
      "promote",
      "Run a delayed job now",
      "is not delayed",
    ),
    "/api/queues/{queue}/pause": {
      post: {
        summary: "Pause the queue in every process (super-admins only)",
        operationId: "pauseQueue",
        parameters: [queueParam],
        responses: { "200": ok(ref("QueuePaused")), ...pick("401", "403", "404") },
      },
    },
    "/api/queues/{queue}/resume": {
      post: {
        summary: "Resume the queue in every process (super-admins only)",
        operationId: "resumeQueue",
        parameters: [queueParam],
        responses: { "200": ok(ref("QueuePaused")), ...pick("401", "403", "404") },
      },
    },
    "/api/campaigns/{id}/progress": {
      get: {
        summary: "A campaign's progress: sent, failed, pending of total, and an ETA",
        description: "A campaign of another company is answered 404 (except to a super-admin).",
        parameters: [campaignParam],
        responses: { "200": ok(ref("CampaignProgress")), ...pick("400", "401", "404") },
        operationId: "campaignProgress",
      },
    },
    "/api/campaigns/{id}/cancel": {
      post: {
        summary: "Cancel a PROGRAMADA or EM_ANDAMENTO campaign",
        description:
          "Admins only. Sets CANCELADA (its pending shippings are skipped) and removes its " +
          "waiting and delayed jobs; a repeat answers 200 with cancelled false. 409 for an " +
          "INATIVA or FINALIZADA campaign.",
        parameters: [campaignParam],
        responses: {
          "200": ok(ref("CampaignCancelled")),
          ...pick("400", "401", "403", "404", "409"),
        },
        operationId: "cancelCampaign",
      },
    },
    "/api/queues/{queue}/clean": {
      post: {
        summary: "Remove the jobs of a state older than graceMs (super-admins only)",
        operationId: "cleanQueue",
        parameters: [queueParam],
        requestBody: body(ref("CleanRequest")),
        responses: { "200": ok(ref("Cleaned")), ...pick("400", "401", "403", "404", "413") },
      },
    },
  },
  components: {
    schemas,
    securitySchemes: {
      bearer: {
        type: "http",
        scheme: "bearer",
        bearerFormat: "JWT or API token",
        description:
          "An access token from /api/auth/login (15 minutes; renew with /api/auth/refresh), or an API token (`cfa_…`) from `chatia-flow token create`.",
      },
    },
  },
} as const;
