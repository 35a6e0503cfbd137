// The runtime's HTTP server as an attacker or a careless client meets it: security headers (strict
// for the API, workable for the editor and admin pages), one body limit for the whole API, CORS
// closed by default, a request id on every answer, and Node-RED without external modules or
// `http in` routes.
import path from "node:path";
import express from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../../runtime/cli/commands/db";
import { apiCors } from "../../../runtime/http/security";
import { testRows } from "../../helpers/rows";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

let t: TestRuntime;
let url: string;
let token: string;

beforeAll(async () => {
  t = await startTestRuntime(path.resolve(__dirname, "../../fixtures/runtime/echo"));
  url = t.runtime.url ?? "";
  const rows = testRows(t.db.sequelize);
  const company = await rows.insert("Companies", { name: "Hard" });
  await rows.insert("Users", {
    name: "Ana",
    email: "ana@hard.test",
    passwordHash: await hashPassword("ana-password-123"),
    profile: "admin",
    companyId: company.id,
  });
  const login = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "ana@hard.test", password: "ana-password-123" }),
  });
  token = ((await login.json()) as { accessToken: string }).accessToken;
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

const csp = (res: Response) => res.headers.get("content-security-policy") ?? "";

describe("security headers", () => {
  it("the API gets helmet's strict policy", async () => {
    const res = await fetch(`${url}/api/openapi.json`);
    expect(res.status).toBe(200);
    expect(csp(res)).toContain("default-src 'self'");
    expect(csp(res)).toContain("script-src 'self';");
    expect(csp(res)).toContain("object-src 'none'");
    expect(csp(res)).not.toContain("unsafe");
    expect(csp(res)).not.toContain("upgrade-insecure-requests");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-powered-by")).toBeNull();
    const health = await fetch(`${url}/livez`);
    expect(csp(health)).toContain("default-src 'self'");
  });

  it("the editor and the admin pages get the policy their scripts need, nothing wider", async () => {
    for (const page of ["/flows/", "/admin/login"]) {
      const res = await fetch(`${url}${page}`);
      expect(res.status).toBe(200);
      expect(csp(res)).toContain("script-src 'self' 'unsafe-inline' 'unsafe-eval'");
      expect(csp(res)).toContain("connect-src 'self'");
      expect(csp(res)).toContain("frame-ancestors 'self'");
      expect(csp(res)).toContain("object-src 'none'");
    }
    // A path that merely starts like the editor's is not the editor.
    expect(csp(await fetch(`${url}/flowsx`))).not.toContain("unsafe");
  });
});

describe("request ids", () => {
  it("every answer carries one; a caller's plain id is kept, anything else replaced", async () => {
    const fresh = await fetch(`${url}/livez`);
    expect(fresh.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await fetch(`${url}/api/queues`, { headers: { "x-request-id": "trace-42.a:b" } });
    expect(kept.status).toBe(401);
    expect(kept.headers.get("x-request-id")).toBe("trace-42.a:b");
    const replaced = await fetch(`${url}/livez`, {
      headers: { "x-request-id": "a b\u00e7<script>" },
    });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("the API's body limit", () => {
  const big = JSON.stringify({ name: "Echo", data: { text: "x".repeat(300 * 1024) } });

  it("refuses a body over 256 kB with 413 CF_API_TOO_LARGE, before authentication", async () => {
    const withToken: Record<string, string> = { authorization: `Bearer ${token}` };
    for (const auth of [withToken, {}]) {
      const res = await fetch(`${url}/api/queues/TestQueue/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json", ...auth },
        body: big,
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ code: "CF_API_TOO_LARGE" });
    }
    const login = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: big,
    });
    expect(login.status).toBe(413);
    expect(await login.json()).toMatchObject({ code: "CF_API_TOO_LARGE" });
    expect(await t.runtime.queues.queue("TestQueue").bull.count()).toBe(0);
  });

  it("refuses a chunked body that grows over the limit", async () => {
    const chunk = new TextEncoder().encode(
      `{"name":"Echo","data":{"text":"${"y".repeat(64 * 1024)}`,
    );
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 6) controller.enqueue(chunk);
        else {
          controller.enqueue(new TextEncoder().encode('"}}'));
          controller.close();
        }
      },
    });
    const res = await fetch(`${url}/api/queues/TestQueue/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "CF_API_TOO_LARGE" });
  });

  it("answers 400 CF_API_BAD_REQUEST to JSON that does not parse", async () => {
    const res = await fetch(`${url}/api/queues/TestQueue/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: '{"name": "Echo", ',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "CF_API_BAD_REQUEST" });
  });

  it("answers 400 CF_API_BAD_REQUEST to JSON nested 10,000 deep, on every /api route", async () => {
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    for (const [route, body] of [
      ["/api/queues/TestQueue/jobs", `{"name":"Echo","data":${deep}}`],
      ["/api/auth/login", `{"email":${deep},"password":"x"}`],
      ["/api/queues/TestQueue/clean", deep],
    ] as const) {
      const res = await fetch(`${url}${route}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body,
      });
      expect(res.status, route).toBe(400);
      expect(await res.json(), route).toMatchObject({ code: "CF_API_BAD_REQUEST" });
    }
  });
});

describe("what no route expects", () => {
  it("an unknown /api route answers JSON 404, a path that does not decode 400, never HTML or 500", async () => {
    const auth = { authorization: `Bearer ${token}` };
    for (const [method, route] of [
      ["GET", "/api/nope"],
      ["GET", "/api"],
      ["DELETE", "/api/queues"],
      ["PUT", "/api/campaigns/1/progress"],
    ] as const) {
      const res = await fetch(`${url}${route}`, { method, headers: auth });
      expect(res.status, `${method} ${route}`).toBe(404);
      expect(await res.json()).toMatchObject({ code: "CF_API_NOT_FOUND" });
    }
    for (const route of ["/api/queues/%E0%A4%A/jobs", "/api/campaigns/%ZZ/progress"]) {
      const res = await fetch(`${url}${route}`, { headers: auth });
      expect(res.status, route).toBe(400);
      expect(await res.json()).toMatchObject({ code: "CF_API_BAD_REQUEST" });
    }
    expect((await fetch(`${url}/api/nope`)).status).toBe(401);
  });
});

describe("CORS", () => {
  it("is closed by default: no preflight approval, no CORS headers", async () => {
    const preflight = await fetch(`${url}/api/queues`, {
      method: "OPTIONS",
      headers: {
        origin: "https://elsewhere.example",
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-headers")).toBeNull();
    const get = await fetch(`${url}/api/queues`, {
      headers: { origin: "https://elsewhere.example", authorization: `Bearer ${token}` },
    });
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("CORS with CHATIA_CORS_ORIGINS set", () => {
  const app = express();
  app.use(apiCors(["https://app.example.com"]));
  app.get("/api/queues", (_req, res) => {
    res.status(401).json({ code: "CF_AUTH_REQUIRED" });
  });
  app.get("/admin/queues", (_req, res) => {
    res.send("board");
  });

  it("approves a preflight from a listed origin, before authentication", async () => {
    const res = await request(app)
      .options("/api/queues")
      .set("origin", "https://app.example.com")
      .set("access-control-request-method", "POST")
      .set("access-control-request-headers", "authorization,content-type,idempotency-key");
    expect(res.status).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(res.headers["access-control-allow-headers"]).toMatch(/Idempotency-Key/);
    const get = await request(app).get("/api/queues").set("origin", "https://app.example.com");
    expect(get.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(get.headers["access-control-expose-headers"]).toMatch(/X-Request-Id/);
  });

  it("gives nothing to other origins, nor outside /api", async () => {
    const other = await request(app).get("/api/queues").set("origin", "https://evil.example");
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    const board = await request(app).get("/admin/queues").set("origin", "https://app.example.com");
    expect(board.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("Node-RED", () => {
  it("runs without external modules in function nodes and serves no `http in` routes", async () => {
    const settings = (require("node-red") as { settings: Record<string, unknown> }).settings;
    expect(settings.functionExternalModules).toBe(false);
    expect(settings.httpNodeRoot).toBe(false);
    expect(settings.httpStatic).toBe(false);
    const res = await fetch(`${url}/some-http-in-route`);
    expect(res.status).toBe(404);
  });
});
