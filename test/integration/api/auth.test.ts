// The auth router and middleware over a real socket (supertest) against a real Postgres:
// logins, refresh rotation and reuse, logout, expiry, API tokens made by the CLI, rate limit.
import type { Server } from "node:http";
import express from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db";
import { SequelizeAuthStore } from "../../../runtime/adapters/db/repositories/auth-store";
import {
  type AuthRouterOptions,
  authenticate,
  createAuthRouter,
  requireProfile,
} from "../../../runtime/http/auth";
import { PasswordGate } from "../../../runtime/http/auth/login-limits";
import { hashPassword } from "../../../runtime/http/auth/passwords";
import { authOf } from "../../../runtime/http/auth-context";
import { runCli } from "../../helpers/cli";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { testRows } from "../../helpers/rows";

const JWT_SECRET = "auth-test-jwt-secret-0123456789abcdef";
const PASSWORD = "correct horse battery";

let db: TestDatabase;
let companyId: number;
const servers: Server[] = [];

/** An app with the auth routes, a protected /me and an admin-only /admin, on a real port. */
async function startApp(extra: Partial<AuthRouterOptions> = {}): Promise<Server> {
  const options = { store: new SequelizeAuthStore(db.sequelize), jwtSecret: JWT_SECRET, ...extra };
  const app = express();
  app.use(createAuthRouter(options));
  const guard = authenticate(options);
  app.get("/me", guard, (req, res) => {
    res.json(authOf(req));
  });
  app.get("/admin", guard, requireProfile("admin"), (_req, res) => {
    res.json({ ok: true });
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  servers.push(server);
  return server;
}

const login = (server: Server, email: string, password = PASSWORD) =>
  request(server).post("/api/auth/login").send({ email, password });

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  const rows = testRows(db.sequelize);
  const company = await rows.insert("Companies", { name: "Acme" });
  companyId = company.id;
  const passwordHash = await hashPassword(PASSWORD);
  await rows.insertMany("Users", [
    { name: "Ada", email: "ada@acme.test", passwordHash, profile: "admin", companyId },
    { name: "Bob", email: "bob@acme.test", passwordHash, profile: "user", companyId },
    { name: "Cy", email: "cy@acme.test", passwordHash, profile: "user", companyId },
  ]);
});

afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  await db?.drop();
});

describe("POST /api/auth/login", () => {
  it("returns an access token, a refresh token and the user", async () => {
    const server = await startApp();
    const res = await login(server, "ada@acme.test");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      expiresIn: 900,
      user: { name: "Ada", email: "ada@acme.test", profile: "admin", companyId, super: false },
    });
    expect(res.body.user).not.toHaveProperty("passwordHash");
    const me = await request(server).get("/me").auth(res.body.accessToken, { type: "bearer" });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      userId: res.body.user.id,
      companyId,
      profile: "admin",
      super: false,
      via: "access-token",
    });
  });

  it("answers a wrong password and an unknown email alike", async () => {
    const server = await startApp();
    const wrong = await login(server, "ada@acme.test", "wrong password");
    const unknown = await login(server, "nobody@acme.test");
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ code: "CF_AUTH_INVALID", message: "wrong email or password" });
    }
  });

  it("refuses a body of the wrong shape with 400 and the problems", async () => {
    const server = await startApp();
    const res = await request(server).post("/api/auth/login").send({ email: 42 });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("CF_API_BAD_REQUEST");
    expect(res.body.details).toEqual([
      { field: "email", problem: "must be a string" },
      { field: "password", problem: "must be a string" },
    ]);
    const notJson = await request(server)
      .post("/api/auth/login")
      .set("Content-Type", "application/json")
      .send("{nope");
    expect(notJson.status).toBe(400);
    expect(notJson.body.code).toBe("CF_API_BAD_REQUEST");
    const array = await request(server).post("/api/auth/login").send([1]);
    expect(array.status).toBe(400);
  });

  it("refuses an oversized body or field without a 500", async () => {
    const server = await startApp();
    const huge = await request(server)
      .post("/api/auth/login")
      .send({ email: "ada@acme.test", password: "x".repeat(20_000) });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe("CF_API_TOO_LARGE");
    const long = await login(server, "ada@acme.test", "x".repeat(2000));
    expect(long.status).toBe(400);
    expect(long.body.details).toEqual([
      { field: "password", problem: "must be at most 1024 characters" },
    ]);
  });

  it("limits failed logins per address and email with 429", async () => {
    const server = await startApp({ loginMax: 3 });
    for (let i = 0; i < 3; i++)
      expect((await login(server, "cy@acme.test", "bad")).status).toBe(401);
    const limited = await login(server, "cy@acme.test");
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe("CF_AUTH_RATE_LIMITED");
    expect(limited.body.details.retryAfterSeconds).toBeGreaterThan(0);
    // Another email from the same address is not limited.
    expect((await login(server, "bob@acme.test")).status).toBe(200);
  });

  it("limits failed logins per address, whatever the email, in front of the per-email limit", async () => {
    const server = await startApp({ loginMax: 3, addressMax: 5 });
    for (let i = 0; i < 5; i++)
      expect((await login(server, `guess${i}@acme.test`, "bad")).status).toBe(401);
    const limited = await login(server, "ada@acme.test");
    expect([limited.status, limited.body.code]).toEqual([429, "CF_AUTH_RATE_LIMITED"]);
  });

  it("checks a bounded number of passwords at once: past it 503 CF_AUTH_BUSY, never a 500 or a stall", async () => {
    // One check at a time and one waiting: the rest of a burst is refused at once.
    const server = await startApp({
      loginMax: 1000,
      addressMax: 1000,
      passwordGate: new PasswordGate(1, 1),
    });
    const storm = Array.from({ length: 40 }, (_, i) => login(server, `storm${i}@acme.test`, "bad"));
    // Served while the storm is being checked: the event loop is not held by the hashing.
    const meanwhile = await request(server).get("/me");
    expect(meanwhile.status).toBe(401);
    const answers = await Promise.all(storm);
    const statuses = answers.map((r) => r.status);
    expect(new Set(statuses)).toEqual(new Set([401, 503]));
    expect(answers.find((r) => r.status === 503)?.body.code).toBe("CF_AUTH_BUSY");
    expect((await login(server, "ada@acme.test")).status).toBe(200);
  });
});

describe("refresh tokens", () => {
  it("count refused ones against the address's budget of failures: 429 past it", async () => {
    const server = await startApp({ addressMax: 4 });
    for (let i = 0; i < 4; i++) {
      const guess = await request(server)
        .post("/api/auth/refresh")
        .send({ refreshToken: `guess-${i}-${"x".repeat(40)}` });
      expect([guess.status, guess.body.code]).toEqual([401, "CF_AUTH_INVALID"]);
    }
    const limited = await request(server)
      .post("/api/auth/refresh")
      .send({ refreshToken: `guess-4-${"x".repeat(40)}` });
    expect([limited.status, limited.body.code]).toEqual([429, "CF_AUTH_RATE_LIMITED"]);
    // The address's logins share that budget.
    expect((await login(server, "ada@acme.test")).status).toBe(429);
  });

  it("rotate on use, and a reused one revokes every session of its user", async () => {
    const server = await startApp();
    const first = (await login(server, "bob@acme.test")).body;
    const other = (await login(server, "bob@acme.test")).body;
    const second = await request(server)
      .post("/api/auth/refresh")
      .send({ refreshToken: first.refreshToken });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    expect(second.body.user.email).toBe("bob@acme.test");

    const replay = await request(server)
      .post("/api/auth/refresh")
      .send({ refreshToken: first.refreshToken });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe("CF_AUTH_INVALID");
    for (const token of [second.body.refreshToken, other.refreshToken]) {
      const res = await request(server).post("/api/auth/refresh").send({ refreshToken: token });
      expect(res.status).toBe(401);
    }
  });

  it("are revoked by logout", async () => {
    const server = await startApp();
    const { refreshToken } = (await login(server, "ada@acme.test")).body;
    const out = await request(server).post("/api/auth/logout").send({ refreshToken });
    expect(out.status).toBe(204);
    const res = await request(server).post("/api/auth/refresh").send({ refreshToken });
    expect(res.status).toBe(401);
    const unknown = await request(server).post("/api/auth/refresh").send({ refreshToken: "x" });
    expect(unknown.body.code).toBe("CF_AUTH_INVALID");
  });
});

describe("authenticate", () => {
  it("asks for credentials, and refuses a malformed or expired access token", async () => {
    const server = await startApp({ accessTtlSeconds: 1 });
    const none = await request(server).get("/me");
    expect(none.status).toBe(401);
    expect(none.body.code).toBe("CF_AUTH_REQUIRED");
    const junk = await request(server).get("/me").auth("junk", { type: "bearer" });
    expect(junk.body.code).toBe("CF_AUTH_INVALID");
    const { accessToken } = (await login(server, "ada@acme.test")).body;
    await new Promise((r) => setTimeout(r, 2100));
    const expired = await request(server).get("/me").auth(accessToken, { type: "bearer" });
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({
      code: "CF_AUTH_INVALID",
      message: "the access token has expired; refresh it",
    });
  });

  it("refuses a token signed with another secret", async () => {
    const other = await startApp({ jwtSecret: "another-secret-0123456789abcdefghij" });
    const { accessToken } = (await login(other, "ada@acme.test")).body;
    const server = await startApp();
    const res = await request(server).get("/me").auth(accessToken, { type: "bearer" });
    expect(res.status).toBe(401);
  });

  it("lets an admin through requireProfile('admin') and stops an attendant with 403", async () => {
    const server = await startApp();
    const admin = (await login(server, "ada@acme.test")).body.accessToken;
    const attendant = (await login(server, "bob@acme.test")).body.accessToken;
    expect((await request(server).get("/admin").auth(admin, { type: "bearer" })).status).toBe(200);
    const res = await request(server).get("/admin").auth(attendant, { type: "bearer" });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("CF_AUTH_FORBIDDEN");
  });
});

describe("API tokens from `chatia-flow token`", () => {
  it("authenticate until revoked", async () => {
    const env = { DATABASE_URL: db.url };
    const created = runCli(["token", "create", "--company", String(companyId), "--name", "ci"], {
      env,
    });
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const token = created.stdout.trim().split("\n").at(-1) ?? "";
    expect(token).toMatch(/^cfa_/);
    const [stored] = await db.sequelize.query(`SELECT "tokenHash" FROM "ApiTokens"`);
    expect(JSON.stringify(stored)).not.toContain(token);

    const server = await startApp();
    const me = await request(server).get("/me").auth(token, { type: "bearer" });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ companyId, profile: "admin", super: false, via: "api-token" });

    const revoked = runCli(["token", "revoke", token.slice(0, 12)], { env });
    expect(revoked.code).toBe(0);
    const after = await request(server).get("/me").auth(token, { type: "bearer" });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe("CF_AUTH_INVALID");
  });

  it("makes a super token without a company, and refuses a missing company", async () => {
    const env = { DATABASE_URL: db.url };
    const created = runCli(["token", "create", "--super", "--name", "ops"], { env });
    expect(created.code).toBe(0);
    const token = created.stdout.trim().split("\n").at(-1) ?? "";
    const server = await startApp();
    const me = await request(server).get("/me").auth(token, { type: "bearer" });
    expect(me.body).toEqual({ profile: "admin", super: true, via: "api-token" });
    const missing = runCli(["token", "create", "--company", "9999", "--name", "x"], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("CF_CLI_USAGE: company 9999 does not exist");
  });
});
