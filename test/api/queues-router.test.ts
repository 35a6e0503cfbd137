// The queue API over a real socket, a real Redis prefix and a plan compiled from a small fixture:
// every endpoint's happy path and bad inputs, idempotent enqueue, tenancy, and every response
// checked against the OpenAPI document the API serves.
import { readFile } from "node:fs/promises";
import type { Server } from "node:http";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import express, { type RequestHandler } from "express";
import request, { type Response } from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SequelizeOwnerStore } from "../../runtime/adapters/db/repositories/owner-store";
import { compile, type Plan } from "../../runtime/compile";
import { type AuthContext, setAuth } from "../../runtime/http/auth-context";
import { openApiDocument } from "../../runtime/http/openapi";
import { createQueuesRouter } from "../../runtime/http/routes";
import { jobIdFor } from "../../runtime/http/routes/queues-router";
import { parseManifest } from "../../runtime/manifest";
import { QueueRuntime } from "../../runtime/queues/queue-runtime";
import { Ownership } from "../../runtime/tenancy/ownership";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { createTestRedis, type TestRedis } from "../helpers/redis";

const MANIFEST = path.resolve(__dirname, "../fixtures/api/jobs.yaml");
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema(openApiDocument as object, "api");

let redis: TestRedis;
let db: TestDatabase;
let queues: QueueRuntime;
let plan: Plan;
let server: Server;

/** Test-only authentication: `x-test-auth: admin:1`, `user:2`, `super`. */
const testAuth: RequestHandler = (req, _res, next) => {
  const header = req.get("x-test-auth");
  if (header) {
    const [profile, company] = header.split(":");
    const auth: AuthContext = {
      profile: profile === "user" ? "user" : "admin",
      super: profile === "super",
      via: "access-token",
      ...(company !== undefined && { companyId: Number(company) }),
    };
    setAuth(req, auth);
  }
  next();
};

beforeAll(async () => {
  redis = createTestRedis();
  plan = compile(await parseManifest(await readFile(MANIFEST, "utf8"), MANIFEST, { env: {} }));
  queues = await QueueRuntime.open(plan, { url: redis.url, prefix: redis.prefix.slice(0, -1) });
  const app = express();
  app.use(testAuth);
  db = await createTestDatabase();
  const ownership = new Ownership({ store: new SequelizeOwnerStore(db.sequelize), mediaDir: "." });
  app.use(createQueuesRouter({ queues, ownership, plan: () => plan }));
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await queues?.close({ waitForJobs: false });
  await redis?.cleanup();
  await db?.drop();
});

type Method = "get" | "post";
interface CallOptions {
  readonly as?: string;
  readonly body?: unknown;
  readonly query?: Record<string, string | number>;
  readonly headers?: Record<string, string>;
}

/** Calls `template` (OpenAPI path) and checks the response against the document's schema. */
async function call(
  method: Method,
  template: keyof typeof openApiDocument.paths,
  params: Record<string, string> = {},
  options: CallOptions = {},
): Promise<Response> {
  const url = template.replace(/\{(\w+)\}/g, (_, p: string) => encodeURIComponent(params[p] ?? ""));
  let req = request(server)[method](url);
  if (options.as) req = req.set("x-test-auth", options.as);
  for (const [k, v] of Object.entries(options.headers ?? {})) req = req.set(k, v);
  if (options.query) req = req.query(options.query);
  const res = await (options.body === undefined ? req : req.send(options.body as object));
  expectDocumented(method, template, res);
  return res;
}

function expectDocumented(method: Method, template: string, res: Response): void {
  const operation = (openApiDocument.paths as Record<string, Record<string, unknown>>)[template]?.[
    method
  ] as { responses: Record<string, unknown> } | undefined;
  expect(operation, `${method} ${template}`).toBeDefined();
  const status = String(res.status);
  expect(Object.keys(operation?.responses ?? {}), `${method} ${template}`).toContain(status);
  expect(res.headers["content-type"]).toMatch(/application\/json/);
  const pointer = [
    "paths",
    template,
    method,
    "responses",
    status,
    "content",
    "application/json",
    "schema",
  ]
    .map((s) => encodeURIComponent(s.replace(/~/g, "~0").replace(/\//g, "~1")))
    .join("/");
  const validate = ajv.compile({ $ref: `api#/${pointer}` });
  expect(
    validate(res.body),
    `${method} ${template} ${status}: ${ajv.errorsText(validate.errors)}`,
  ).toBe(true);
}

const send = (companyId: number, text = "hi") =>
  queues.enqueue("Sends", "Send", { companyId, text });
const byId = (res: Response) => (res.body.jobs as { id: string }[]).map((j) => j.id);

describe("queue API: reading", () => {
  it("serves its OpenAPI document without authentication", async () => {
    const res = await call("get", "/api/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
  });

  it("answers 401 CF_AUTH_REQUIRED to a request no auth middleware accepted", async () => {
    const res = await call("get", "/api/queues");
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("CF_AUTH_REQUIRED");
    for (const template of ["/api/manifest", "/api/plan"] as const)
      expect((await call("get", template)).status).toBe(401);
    const post = await call("post", "/api/queues/{queue}/jobs", { queue: "Sends" }, { body: {} });
    expect(post.status).toBe(401);
  });

  it("gives the effective manifest and the cron plan", async () => {
    const manifest = await call("get", "/api/manifest", {}, { as: "user:1" });
    expect(manifest.status).toBe(200);
    expect(manifest.body.source).toBe("jobs.yaml");
    expect(manifest.body.queues.map((q: { name: string }) => q.name)).toEqual(["Sends", "Work"]);
    expect(manifest.body.queues[1].jobs[0].options.attempts).toBe(1);
    const cron = await call("get", "/api/plan", {}, { as: "super" });
    expect(cron.status).toBe(200);
    expect(cron.body).toEqual({ add: [], remove: [], keep: [], rearm: [] });
    // The cron triggers are system jobs: a company's admin or attendant gets 403.
    for (const as of ["admin:1", "user:1"]) {
      const refused = await call("get", "/api/plan", {}, { as });
      expect(refused.status, as).toBe(403);
      expect(refused.body.code).toBe("CF_AUTH_FORBIDDEN");
    }
  });

  it("lists the queues with counts, paused flag, concurrency and limits", async () => {
    await send(1);
    const res = await call("get", "/api/queues", {}, { as: "super" });
    expect(res.status).toBe(200);
    const sends = res.body.queues.find((q: { name: string }) => q.name === "Sends");
    expect(sends).toMatchObject({
      description: "Outgoing messages",
      concurrency: 2,
      paused: false,
    });
    expect(sends.counts.waiting).toBeGreaterThanOrEqual(1);
  });

  it("pages the jobs of a state and refuses bad paging with every problem", async () => {
    for (let i = 0; i < 5; i++) await queues.enqueue("Work", "Run", { i });
    const first = await call(
      "get",
      "/api/queues/{queue}/jobs",
      { queue: "Work" },
      {
        as: "super",
        query: { state: "waiting", page: 1, pageSize: 2 },
      },
    );
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(5);
    expect(first.body.jobs).toHaveLength(2);
    const last = await call(
      "get",
      "/api/queues/{queue}/jobs",
      { queue: "Work" },
      {
        as: "super",
        query: { state: "waiting", page: 3, pageSize: 2 },
      },
    );
    expect(last.body).toMatchObject({ total: 5, page: 3, pageSize: 2 });
    expect(last.body.jobs).toHaveLength(1);
    const bad = await call(
      "get",
      "/api/queues/{queue}/jobs",
      { queue: "Work" },
      {
        as: "super",
        query: { state: "lost", page: 0, pageSize: 1000 },
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("CF_API_BAD_REQUEST");
    expect(bad.body.details).toHaveLength(3);
    const junk = await request(server)
      .get("/api/queues/Work/jobs?page=1e3&page=2&state[x]=1")
      .set("x-test-auth", "super");
    expect(junk.status).toBe(400);
    const missing = await call(
      "get",
      "/api/queues/{queue}/jobs",
      { queue: "Nope" },
      { as: "super" },
    );
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("CF_API_NOT_FOUND");
  });

  it("shows a job's detail with its logs and state", async () => {
    const job = await send(1, "detail");
    await job.log("first line");
    const res = await call(
      "get",
      "/api/queues/{queue}/jobs/{id}",
      { queue: "Sends", id: String(job.id) },
      {
        as: "super",
      },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: String(job.id),
      queue: "Sends",
      name: "Send",
      state: "waiting",
      data: { companyId: 1, text: "detail" },
      logs: ["first line"],
      attemptsMade: 0,
    });
    const missing = await call(
      "get",
      "/api/queues/{queue}/jobs/{id}",
      { queue: "Sends", id: "999999" },
      {
        as: "super",
      },
    );
    expect(missing.status).toBe(404);
  });
});

describe("queue API: enqueueing", () => {
  const enqueue = (body: unknown, as = "super", headers: Record<string, string> = {}) =>
    call("post", "/api/queues/{queue}/jobs", { queue: "Sends" }, { as, body, headers });
  const waitingSends = async () => (await queues.queue("Sends").bull.getJobCounts()).waiting;

  it("enqueues a valid job and answers its id", async () => {
    const res = await enqueue({ name: "Send", data: { companyId: 1, text: "hello" }, priority: 3 });
    expect(res.status).toBe(201);
    const job = await queues.queue("Sends").bull.getJob(res.body.id);
    expect(job?.data).toEqual({ companyId: 1, text: "hello" });
    expect(job?.opts.priority).toBe(3);
  });

  it("refuses a bad payload with every problem and enqueues nothing", async () => {
    const before = await waitingSends();
    const res = await enqueue({ name: "Send", data: { companyId: 1, text: 5, extra: true } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("CF_JOB_BAD_PAYLOAD");
    expect(res.body.details.length).toBeGreaterThanOrEqual(2);
    expect(await waitingSends()).toBe(before);
  });

  it("refuses bad shapes, unknown jobs and queues, big bodies with 4xx, never 500", async () => {
    const cases: [unknown, number, string][] = [
      [{ name: "Nope", data: {} }, 400, "CF_JOB_UNKNOWN"],
      [[1, 2], 400, "CF_API_BAD_REQUEST"],
      [{ data: {} }, 400, "CF_API_BAD_REQUEST"],
      [{ name: "Send" }, 400, "CF_API_BAD_REQUEST"],
      [
        { name: "Send", data: { companyId: 1, text: "x" }, delayMs: -1, priority: 1.5 },
        400,
        "CF_API_BAD_REQUEST",
      ],
      [
        { name: "Send", data: { companyId: 1, text: "x".repeat(300_000) } },
        413,
        "CF_API_TOO_LARGE",
      ],
    ];
    for (const [body, status, code] of cases) {
      const res = await enqueue(body);
      expect([res.status, res.body.code], JSON.stringify(body).slice(0, 80)).toEqual([
        status,
        code,
      ]);
    }
    const malformed = await request(server)
      .post("/api/queues/Sends/jobs")
      .set("x-test-auth", "super")
      .set("content-type", "application/json")
      .send("{not json");
    expect(malformed.status).toBe(400);
    expectDocumented("post", "/api/queues/{queue}/jobs", malformed);
    const unknownQueue = await call(
      "post",
      "/api/queues/{queue}/jobs",
      { queue: "Nope" },
      {
        as: "super",
        body: { name: "Send", data: {} },
      },
    );
    expect(unknownQueue.status).toBe(404);
  });

  it("lets only admins enqueue, and a company admin no system job (no owner rule)", async () => {
    const user = await enqueue({ name: "Send", data: { companyId: 1, text: "x" } }, "user:1");
    expect([user.status, user.body.code]).toEqual([403, "CF_AUTH_FORBIDDEN"]);
    const before = await waitingSends();
    const own = await enqueue({ name: "Send", data: { companyId: 1, text: "x" } }, "admin:1");
    expect([own.status, own.body.code]).toEqual([403, "CF_TENANCY_SYSTEM_JOB"]);
    expect(await waitingSends()).toBe(before);
  });

  it("makes a repeat with the same Idempotency-Key a no-op answering the same id", async () => {
    const body = { name: "Send", data: { companyId: 1, text: "once" } };
    const headers = { "Idempotency-Key": "order-42" };
    const before = await waitingSends();
    const first = await enqueue(body, "super", headers);
    const again = await enqueue(body, "super", headers);
    expect(first.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(first.body.id).toMatch(/^idem-[0-9a-f]{24}$/);
    expect(await waitingSends()).toBe(before + 1);
    expect(jobIdFor("company-1", "order-42")).not.toBe(jobIdFor("company-2", "order-42"));
    expect(jobIdFor("super", "order-42")).toBe(first.body.id);
  });
});

describe("queue API: acting on jobs and queues", () => {
  const act = (action: "retry" | "remove" | "promote", id: string, as = "super", queue = "Sends") =>
    call("post", `/api/queues/{queue}/jobs/{id}/${action}`, { queue, id }, { as });

  it("promotes a delayed job, refuses to promote a waiting one (409)", async () => {
    const delayed = await queues.enqueue(
      "Sends",
      "Send",
      { companyId: 1, text: "later" },
      { delayMs: 60_000 },
    );
    const res = await act("promote", String(delayed.id));
    expect(res.status).toBe(200);
    expect(await delayed.getState()).toBe("waiting");
    const again = await act("promote", String(delayed.id));
    expect([again.status, again.body.code]).toEqual([409, "CF_API_CONFLICT"]);
  });

  it("removes a job; a user may not", async () => {
    const job = await send(1, "bye");
    expect((await act("remove", String(job.id), "user:1")).status).toBe(403);
    expect((await act("remove", String(job.id))).status).toBe(200);
    expect(await queues.queue("Sends").bull.getJob(String(job.id))).toBeNull();
  });

  it("retries a failed job, refuses a job that has not failed", async () => {
    queues.startProcessing(
      async (job) => {
        if ((job.data as { fail?: boolean }).fail) throw new Error("boom");
        return { ok: true };
      },
      ["Work"],
    );
    const failing = await queues.enqueue("Work", "Run", { fail: true });
    await expect.poll(() => failing.getState(), { timeout: 10_000 }).toBe("failed");
    const detail = await call(
      "get",
      "/api/queues/{queue}/jobs/{id}",
      { queue: "Work", id: String(failing.id) },
      {
        as: "super",
      },
    );
    expect(detail.body).toMatchObject({ state: "failed", failedReason: "boom", attemptsMade: 1 });
    expect(detail.body.stacktrace.length).toBeGreaterThan(0);
    const failed = await call(
      "get",
      "/api/queues/{queue}/jobs",
      { queue: "Work" },
      {
        as: "super",
        query: { state: "failed" },
      },
    );
    expect(byId(failed)).toContain(String(failing.id));
    expect((await act("retry", String(failing.id), "super", "Work")).status).toBe(200);
    const ok = await queues.enqueue("Work", "Run", { fail: false });
    await expect.poll(() => ok.getState(), { timeout: 10_000 }).toBe("completed");
    const notFailed = await act("retry", String(ok.id), "super", "Work");
    expect(notFailed.status).toBe(409);
    const unknown = await call(
      "post",
      "/api/queues/{queue}/jobs/{id}/retry",
      { queue: "Work", id: String(ok.id) },
      {
        as: "user:1",
      },
    );
    expect(unknown.status).toBe(403);
  });

  it("pauses, resumes and cleans a queue for super-admins only", async () => {
    const admin = await call(
      "post",
      "/api/queues/{queue}/pause",
      { queue: "Sends" },
      { as: "admin:1" },
    );
    expect([admin.status, admin.body.code]).toEqual([403, "CF_AUTH_FORBIDDEN"]);
    const paused = await call(
      "post",
      "/api/queues/{queue}/pause",
      { queue: "Sends" },
      { as: "super" },
    );
    expect(paused.body).toEqual({ queue: "Sends", paused: true });
    const list = await call("get", "/api/queues", {}, { as: "super" });
    expect(list.body.queues.find((q: { name: string }) => q.name === "Sends").paused).toBe(true);
    const resumed = await call(
      "post",
      "/api/queues/{queue}/resume",
      { queue: "Sends" },
      { as: "super" },
    );
    expect(resumed.body.paused).toBe(false);
    const missing = await call(
      "post",
      "/api/queues/{queue}/resume",
      { queue: "Nope" },
      { as: "super" },
    );
    expect(missing.status).toBe(404);

    const done = await queues.enqueue("Work", "Run", { fail: false });
    await expect.poll(() => done.getState(), { timeout: 10_000 }).toBe("completed");
    const clean = (body: unknown) =>
      call("post", "/api/queues/{queue}/clean", { queue: "Work" }, { as: "super", body });
    const bad = await clean({ state: "done", graceMs: -5, limit: "all" });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toHaveLength(3);
    const cleaned = await clean({ state: "completed", graceMs: 0 });
    expect(cleaned.status).toBe(200);
    expect(cleaned.body.removed).toContain(String(done.id));
  });
});

describe("queue API: tenancy", () => {
  // The fixture's jobs have no owner rule (runtime/tenancy/owner-rules.ts): whatever companyId
  // their data claim, they are system jobs. The real jobs' tenancy is swept in
  // test/integration/api/tenancy-sweep.test.ts.
  it("shows a company's admin no system job, by list, count or id", async () => {
    const company1: string[] = [];
    for (let i = 0; i < 6; i++) company1.push(String((await send(1, `c1-${i}`)).id));
    company1.push(
      String(
        (await queues.enqueue("Sends", "Send", { companyId: 1, text: "d" }, { delayMs: 60_000 }))
          .id,
      ),
    );
    const company2 = String((await send(2, "c2")).id);
    const system = String((await queues.enqueue("Sends", "Ping", {})).id);

    for (const state of ["waiting", "delayed"]) {
      const seen = await call(
        "get",
        "/api/queues/{queue}/jobs",
        { queue: "Sends" },
        {
          as: "admin:2",
          query: { state, pageSize: 100 },
        },
      );
      expect([seen.status, seen.body.total, byId(seen)]).toEqual([200, 0, []]);
    }
    const counts = await call("get", "/api/queues", {}, { as: "admin:1" });
    for (const q of counts.body.queues as { counts: Record<string, number> }[])
      expect(Object.values(q.counts).every((n) => n === 0)).toBe(true);
    for (const id of [...company1, company2, system]) {
      const detail = await call(
        "get",
        "/api/queues/{queue}/jobs/{id}",
        { queue: "Sends", id },
        { as: "admin:2" },
      );
      expect([detail.status, detail.body.code]).toEqual([404, "CF_API_NOT_FOUND"]);
      for (const action of ["retry", "remove", "promote"] as const) {
        const res = await call(
          "post",
          `/api/queues/{queue}/jobs/{id}/${action}`,
          { queue: "Sends", id },
          {
            as: "admin:2",
          },
        );
        expect(res.status, `${action} ${id}`).toBe(404);
      }
    }
    expect(await queues.queue("Sends").bull.getJob(company1[0] ?? "")).not.toBeNull();
    const everything = await call(
      "get",
      "/api/queues/{queue}/jobs",
      { queue: "Sends" },
      {
        as: "super",
        query: { pageSize: 100 },
      },
    );
    expect(byId(everything)).toEqual(
      expect.arrayContaining([...company1.slice(0, 6), company2, system]),
    );
  });
});
