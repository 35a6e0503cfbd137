// The OpenAPI 3.1 document of the queue API (runtime/api/routes), served at /api/openapi.json.
// test/api/queues-router.test.ts validates every response it gets against these schemas.

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string) => ({ type: [type, "null"] });
const json = (schema: object) => ({ "application/json": { schema } });
const ok = (schema: object, description = "OK") => ({ description, content: json(schema) });
const error = (description: string) => ({ description, content: json(ref("Error")) });

const errors = {
  "400": error("Bad input (`CF_API_BAD_REQUEST`, `CF_JOB_BAD_PAYLOAD`, `CF_JOB_UNKNOWN`)"),
  "401": error("No credentials (`CF_AUTH_REQUIRED`)"),
  "403": error("Not allowed (`CF_AUTH_FORBIDDEN`)"),
  "404": error("No such queue or job, or a job of another company (`CF_API_NOT_FOUND`)"),
  "409": error("The job's state does not allow the action (`CF_API_CONFLICT`)"),
  "413": error("Body over 256 kB (`CF_API_TOO_LARGE`)"),
  "503": error(
    "Not done within the API's deadline: Postgres or Redis slow or unreachable (`CF_API_TIMEOUT`; an enqueue names in `details.jobId` the job that may still run)",
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
      manifest: { type: "object", description: "The loaded jobs.yaml, when the server has it." },
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
      "Every endpoint but this document needs authentication. A super-admin sees every job; " +
      "anyone else sees the jobs whose data.companyId is their company's or absent; any other " +
      "job is answered 404. Mutations need an admin; pause, resume and clean (whole queues) " +
      "need a super-admin. Errors are {code, message, details?}.",
  },
  jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
  paths: {
    "/api/openapi.json": {
      get: { summary: "This document", responses: { "200": ok({ type: "object" }) } },
    },
    "/api/manifest": {
      get: {
        summary: "The effective manifest: queues and jobs of the running plan with their options",
        responses: { "200": ok(ref("EffectiveManifest")), ...pick("401") },
      },
    },
    "/api/plan": {
      get: {
        summary: "Cron triggers: what Redis has against what the manifest wants",
        responses: { "200": ok(ref("CronPlan")), ...pick("401") },
      },
    },
    "/api/queues": {
      get: {
        summary: "The plan's queues with their job counts (queue-wide) by state",
        responses: {
          "200": ok(object({ queues: { type: "array", items: ref("Queue") } })),
          ...pick("401"),
        },
      },
    },
    "/api/queues/{queue}/jobs": {
      get: {
        summary: "One page of the jobs in a state, newest first",
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
        description:
          "Admins only. With an Idempotency-Key header, a repeat (same key, same company) " +
          "enqueues nothing and answers the first job's id. 409 `CF_JOB_NOT_HANDLED` for a job " +
          "declared before its flow exists.",
        parameters: [
          queueParam,
          { name: "Idempotency-Key", in: "header", schema: { type: "string", maxLength: 200 } },
        ],
        requestBody: body(ref("EnqueueRequest")),
        responses: {
          "201": ok(ref("Enqueued"), "Enqueued"),
          ...pick("400", "401", "403", "404", "413", "503"),
          "409": error(
            "The job is declared, not handled: its flow does not exist yet (`CF_JOB_NOT_HANDLED`)",
          ),
        },
      },
    },
    "/api/queues/{queue}/jobs/{id}": {
      get: {
        summary: "A job with its options, result, stack traces, logs and state",
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
        parameters: [queueParam],
        responses: { "200": ok(ref("QueuePaused")), ...pick("401", "403", "404") },
      },
    },
    "/api/queues/{queue}/resume": {
      post: {
        summary: "Resume the queue in every process (super-admins only)",
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
        parameters: [queueParam],
        requestBody: body(ref("CleanRequest")),
        responses: { "200": ok(ref("Cleaned")), ...pick("400", "401", "403", "404", "413") },
      },
    },
  },
  components: { schemas },
} as const;
