// Bull Board at /admin/queues over a real socket, a real Redis prefix, a QueueRuntime over the API
// fixture and real Postgres users: login page and cookie, the manifest's queues, refresh after a
// plan change, and read-only for a company admin (403) against a super-admin (2xx).
import { readFile } from "node:fs/promises";
import type { Server } from "node:http";
import path from "node:path";
import express from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BullBoards, createBullBoards } from "../../../runtime/adapters/bull/bull-board";
import { migrateUp } from "../../../runtime/adapters/db";
import { SequelizeAuthStore } from "../../../runtime/adapters/db/repositories/auth-store";
import { SequelizeOwnerStore } from "../../../runtime/adapters/db/repositories/owner-store";
import { compile, type Plan } from "../../../runtime/compile";
import {
  ADMIN_COOKIE,
  adminAuthenticate,
  createAdminSessionRouter,
} from "../../../runtime/http/admin-session";
import { AuthService, requireProfile } from "../../../runtime/http/auth";
import type { AuthContext } from "../../../runtime/http/auth-context";
import { bullBoardRouter } from "../../../runtime/http/bull-board";
import { parseManifest } from "../../../runtime/manifest";
import { QueueRuntime } from "../../../runtime/queues/queue-runtime";
import { OwnedJobs } from "../../../runtime/tenancy/owned-jobs";
import { Ownership } from "../../../runtime/tenancy/ownership";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { createTestRedis, type TestRedis } from "../../helpers/redis";
import { insertCompanyUsers, ROOT } from "../../helpers/users";

const MANIFEST = path.resolve(__dirname, "../../fixtures/api/jobs.yaml");
const JWT_SECRET = "bull-board-test-jwt-secret-0123456789";
const PASSWORD = "correct horse battery";

let db: TestDatabase;
let redis: TestRedis;
let queues: QueueRuntime;
let plan: Plan;
let board: BullBoards<AuthContext>;
let server: Server;
let shown: string[];

const manifestQueues = () => plan.queues.map((q) => queues.queue(q.name));

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  await insertCompanyUsers(db.sequelize, "Acme", PASSWORD, [
    ROOT,
    { name: "Ada", email: "ada@acme.test" },
  ]);
  redis = createTestRedis();
  plan = compile(await parseManifest(await readFile(MANIFEST, "utf8"), MANIFEST, { env: {} }));
  shown = plan.queues.map((q) => q.name);
  queues = await QueueRuntime.open(plan, { url: redis.url, prefix: redis.prefix.slice(0, -1) });
  board = createBullBoards({
    queues: () => manifestQueues().filter((q) => shown.includes(q.name)),
    basePath: "/admin/queues",
    visibility: new OwnedJobs(
      new Ownership({ store: new SequelizeOwnerStore(db.sequelize), mediaDir: "." }),
    ),
    enqueuer: queues,
  });

  const auth = new AuthService({
    store: new SequelizeAuthStore(db.sequelize),
    jwtSecret: JWT_SECRET,
  });
  const app = express();
  app.use(createAdminSessionRouter({ auth }));
  app.use(
    "/admin/queues",
    adminAuthenticate(auth),
    requireProfile("admin"),
    bullBoardRouter(board),
  );
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await queues?.close({ waitForJobs: false });
  await redis?.cleanup();
  await db?.drop();
});

/** Logs in through the form; returns the Cookie header value. */
async function loginCookie(email: string): Promise<string> {
  const res = await request(server)
    .post("/admin/login")
    .type("form")
    .send({ email, password: PASSWORD });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe("/admin/queues");
  const set = ([] as string[]).concat(res.headers["set-cookie"] ?? []);
  const cookie = set.find((c) => c.startsWith(`${ADMIN_COOKIE}=`));
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Strict/);
  return String(cookie).split(";")[0] ?? "";
}

/** A job of Work/Run that failed in a processor that throws. */
async function failedJob(): Promise<string> {
  const queue = queues.queue("Work").bull;
  const failed = new Promise<string>((resolve) =>
    queue.once("failed", (job) => resolve(String(job.id))),
  );
  void queue.process("Run", async () => {
    throw new Error("boom");
  });
  await queues.enqueue("Work", "Run", {});
  return failed;
}

describe("Bull Board behind the admin login", () => {
  it("sends a browser without a session to the login form, and an API call gets 401", async () => {
    const page = await request(server).get("/admin/queues").set("Accept", "text/html");
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe("/admin/login");
    const api = await request(server)
      .get("/admin/queues/api/queues")
      .set("Accept", "application/json");
    expect(api.status).toBe(401);
    expect(api.body.code).toBe("CF_AUTH_REQUIRED");
    const bad = await request(server)
      .get("/admin/queues/api/queues")
      .set("Cookie", `${ADMIN_COOKIE}=nope`);
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe("CF_AUTH_INVALID");
    const form = await request(server).get("/admin/login");
    expect(form.status).toBe(200);
    expect(form.text).toContain('<form method="post" action="/admin/login">');
    const wrong = await request(server)
      .post("/admin/login")
      .type("form")
      .send({ email: "ada@acme.test", password: "x" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers["set-cookie"]).toBeUndefined();
  });

  it("serves the board page and lists the manifest's queues to a cookie session", async () => {
    const cookie = await loginCookie("ada@acme.test");
    const page = await request(server)
      .get("/admin/queues")
      .set("Cookie", cookie)
      .set("Accept", "text/html");
    expect(page.status).toBe(200);
    expect(page.text).toContain("/admin/queues/");
    const api = await request(server).get("/admin/queues/api/queues").set("Cookie", cookie);
    expect(api.status).toBe(200);
    const listed = api.body.queues as { name: string; readOnlyMode: boolean }[];
    expect(listed.map((q) => q.name).sort()).toEqual(["Sends", "Work"]);
    expect(listed.every((q) => q.readOnlyMode)).toBe(true);
  });

  it("accepts a bearer token too, and shows a super-admin the full board", async () => {
    const login = await new AuthService({
      store: new SequelizeAuthStore(db.sequelize),
      jwtSecret: JWT_SECRET,
    }).login("root@ops.test", PASSWORD);
    if (typeof login === "string") throw new Error(login);
    const api = await request(server)
      .get("/admin/queues/api/queues")
      .set("Authorization", `Bearer ${login.accessToken}`);
    expect(api.status).toBe(200);
    expect((api.body.queues as { readOnlyMode: boolean }[]).every((q) => !q.readOnlyMode)).toBe(
      true,
    );
  });

  it("refuses a company admin's retry and clean (403) and runs a super-admin's", async () => {
    const jobId = await failedJob();
    const ada = await loginCookie("ada@acme.test");
    const root = await loginCookie("root@ops.test");
    for (const url of [
      "/admin/queues/api/queues/Work/retry/failed",
      "/admin/queues/api/queues/Work/clean/failed",
      `/admin/queues/api/queues/Work/${jobId}/retry`,
      `/admin/queues/api/queues/Work/${jobId}/clean`,
      "/admin/queues/api/queues/pause",
    ]) {
      const res = await request(server).put(url).set("Cookie", ada);
      expect(res.status, url).toBe(403);
      expect(res.body.code).toBe("CF_AUTH_FORBIDDEN");
    }
    const work = queues.queue("Work").bull;
    expect(await work.getFailedCount()).toBe(1);
    const retry = await request(server)
      .put(`/admin/queues/api/queues/Work/${jobId}/retry`)
      .set("Cookie", root);
    expect(retry.status).toBe(204);
    await expect.poll(() => work.getFailedCount()).toBe(1); // retried, failed again
    // Bull Board's queue-wide clean spares jobs younger than 5 s: clean this one by id.
    const clean = await request(server)
      .put(`/admin/queues/api/queues/Work/${jobId}/clean`)
      .set("Cookie", root);
    expect(clean.status).toBeGreaterThanOrEqual(200);
    expect(clean.status).toBeLessThan(300);
    expect(await work.getFailedCount()).toBe(0);
  });

  it("refresh() re-reads the queue list (hot reload)", async () => {
    const cookie = await loginCookie("root@ops.test");
    const names = async () =>
      (
        (await request(server).get("/admin/queues/api/queues").set("Cookie", cookie)).body
          .queues as { name: string }[]
      )
        .map((q) => q.name)
        .sort();
    shown = ["Sends"];
    expect(await names()).toEqual(["Sends", "Work"]);
    board.refresh();
    expect(await names()).toEqual(["Sends"]);
    shown = plan.queues.map((q) => q.name);
    board.refresh();
    expect(await names()).toEqual(["Sends", "Work"]);
  });

  it("limits the login form per address and email: another account's failures lock nobody out", async () => {
    for (let i = 0; i < 10; i++) {
      const res = await request(server)
        .post("/admin/login")
        .type("form")
        .send({ email: "ada@acme.test.evil", password: `guess ${i}` });
      expect(res.status).toBe(401);
    }
    const limited = await request(server)
      .post("/admin/login")
      .type("form")
      .send({ email: "ada@acme.test.evil", password: "guess" });
    expect(limited.status).toBe(429);
    expect(await loginCookie("ada@acme.test")).toContain(ADMIN_COOKIE);
  });
});
