// The API as the runtime serves it: log in as a company's admin, list the queues, enqueue a job
// that the flow then completes; without a token nothing but the OpenAPI document answers.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../../runtime/cli/commands/db";
import { testRows } from "../../helpers/rows";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

let t: TestRuntime;
let token: string;

beforeAll(async () => {
  t = await startTestRuntime(path.resolve(__dirname, "../../fixtures/runtime/echo"), {
    editor: false,
  });
  const rows = testRows(t.db.sequelize);
  const company = await rows.insert("Companies", { name: "API" });
  await rows.insert("Users", {
    name: "Ana",
    email: "ana@api.test",
    passwordHash: await hashPassword("ana-password-123"),
    profile: "admin",
    companyId: company.id,
    // The echo fixture's jobs have no owner rule (system jobs), and metrics span every company.
    super: true,
  });
  const login = await fetch(`${t.runtime.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "ana@api.test", password: "ana-password-123" }),
  });
  expect(login.status).toBe(200);
  token = ((await login.json()) as { accessToken: string }).accessToken;
});
afterAll(async () => {
  await t?.stop();
});

const api = (route: string, init: RequestInit = {}) =>
  fetch(`${t.runtime.url}${route}`, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      ...init.headers,
    },
  });

describe("the runtime's API", () => {
  it("refuses requests without a token, but serves the OpenAPI document", async () => {
    expect((await fetch(`${t.runtime.url}/api/queues`)).status).toBe(401);
    const doc = await fetch(`${t.runtime.url}/api/openapi.json`);
    expect(doc.status).toBe(200);
    expect(((await doc.json()) as { openapi: string }).openapi).toMatch(/^3\.1/);
  });

  it("is enough for a client made from the served document to log in and call a secured route", async () => {
    // What a generated client does: operations by operationId, the server from `servers`, the
    // token from the login's Session, sent as the document's security scheme says.
    const doc = (await (await fetch(`${t.runtime.url}/api/openapi.json`)).json()) as {
      servers: { url: string }[];
      security: Record<string, unknown[]>[];
      paths: Record<string, Record<string, { operationId?: string; security?: unknown[] }>>;
      components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
    };
    const operation = (id: string) => {
      for (const [route, item] of Object.entries(doc.paths))
        for (const [method, op] of Object.entries(item))
          if (op.operationId === id) return { route, method: method.toUpperCase(), op };
      throw new Error(`no operation ${id}`);
    };
    const base = new URL(doc.servers[0]?.url ?? "/", t.runtime.url).href.replace(/\/$/, "");
    const login = operation("login");
    const session = await fetch(`${base}${login.route}`, {
      method: login.method,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "ana@api.test", password: "ana-password-123" }),
    });
    expect(session.status).toBe(200);
    const { accessToken } = (await session.json()) as { accessToken: string };
    const list = operation("listQueues");
    const [scheme] = Object.keys((list.op.security ?? doc.security)[0] ?? {});
    expect(doc.components.securitySchemes[scheme ?? ""]).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
    const queues = await fetch(`${base}${list.route}`, {
      method: list.method,
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(queues.status).toBe(200);
    expect(JSON.stringify(await queues.json())).toContain('"TestQueue"');
  });

  it("lists the queues of the manifest with their counts", async () => {
    const response = await api("/api/queues");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { queues: { name: string }[] } | { name: string }[];
    expect(JSON.stringify(body)).toContain('"TestQueue"');
  });

  it("enqueues a job that its flow completes", async () => {
    const response = await api("/api/queues/TestQueue/jobs", {
      method: "POST",
      body: JSON.stringify({ name: "Echo", data: { text: "via api" } }),
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    const job = await t.runtime.queues.queue("TestQueue").bull.getJob(id);
    await expect(job?.finished()).resolves.toBe("VIA API");
  });

  it("answers 400 with every problem to data that does not fit the payload schema", async () => {
    const response = await api("/api/queues/TestQueue/jobs", {
      method: "POST",
      body: JSON.stringify({ name: "Echo", data: { txt: 1 } }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "CF_JOB_BAD_PAYLOAD" });
  });
});

describe("the runtime's metrics", () => {
  it("counts the jobs its flows ran, for admins only", async () => {
    expect((await fetch(`${t.runtime.url}/metrics`)).status).toBe(401);
    const response = await api("/metrics");
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(
      /^chatia_jobs_total\{queue="TestQueue",job="Echo",outcome="completed"\} [1-9]/m,
    );
    expect(text).toMatch(/^chatia_flow_runs_total\{flow="echo"\} [1-9]/m);
    expect(text).toMatch(/^chatia_queue_jobs\{queue="TestQueue",state="waiting"\} \d+/m);
  });
});

describe("Bull Board", () => {
  it("sends a browser without a login to the login form, and shows the board to an admin", async () => {
    const anonymous = await fetch(`${t.runtime.url}/admin/queues`, {
      headers: { accept: "text/html" },
      redirect: "manual",
    });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toContain("/admin/login");
    const board = await fetch(`${t.runtime.url}/admin/queues/api/queues`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(board.status).toBe(200);
    expect(JSON.stringify(await board.json())).toContain("TestQueue");
  });
});
