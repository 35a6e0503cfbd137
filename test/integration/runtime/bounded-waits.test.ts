// Bounded waits: a Postgres or Redis that stalls (a TCP proxy in front of the real one, holding
// every byte) or never answers (a server that accepts and stays silent) makes the runtime answer
// 503 rather than hang — /readyz within 5 s of the stall and 200 within 5 s of its end, an API
// request at its deadline — and `start` fail with its error code within 15 s.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { redisUrlFromEnv } from "../../../runtime/adapters/redis/redis-url";
import { hashPassword } from "../../../runtime/cli/commands/db";
import { adminDatabaseUrl, createTestDatabase } from "../../helpers/database";
import { startProcess } from "../../helpers/process";
import { createTestRedis } from "../../helpers/redis";
import { testRows } from "../../helpers/rows";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";
import { startSilentServer, startTcpProxy, type TcpProxy } from "../../helpers/tcp-proxy";

const SECRETS = {
  CHATIA_ADMIN_PASSWORD: "bounded-admin-password-0123",
  NODE_RED_CREDENTIAL_SECRET: "bounded-credential-secret-0123",
  CHATIA_JWT_SECRET: "bounded-jwt-secret-0123456789abcdefghijklmn",
};

/** Resolves with the process's exit code, or fails when it has not exited within `ms`. */
function exitWithin(exited: Promise<number | string>, ms: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
  });
  return Promise.race([exited, late]).finally(() => clearTimeout(timer));
}

describe("start against a silent service", () => {
  it("a Postgres that accepts and never answers fails the start with CF_DB_CONNECT within 15 s", async () => {
    const silent = await startSilentServer();
    const redis = createTestRedis();
    try {
      const proc = startProcess(["start", "--port", "0", "--no-editor"], {
        ...SECRETS,
        DATABASE_URL: `postgres://postgres@127.0.0.1:${silent.port}/chatia`,
        REDIS_URL: redis.url,
        REDIS_PREFIX: redis.prefix.slice(0, -1),
      });
      expect(await exitWithin(proc.exited(), 15_000)).toBe(1);
      expect(proc.output()).toMatch(
        /CF_DB_CONNECT: cannot reach Postgres at 127\.0\.0\.1:\d+\/chatia/,
      );
    } finally {
      await silent.close();
      await redis.cleanup();
    }
  }, 30_000);

  it("a Redis that accepts and never answers fails the start with CF_REDIS_CONNECT within 15 s", async () => {
    const silent = await startSilentServer();
    const db = await createTestDatabase();
    try {
      const proc = startProcess(["start", "--port", "0", "--no-editor"], {
        ...SECRETS,
        DATABASE_URL: db.url,
        REDIS_URL: `redis://127.0.0.1:${silent.port}`,
      });
      expect(await exitWithin(proc.exited(), 15_000)).toBe(1);
      expect(proc.output()).toMatch(/CF_REDIS_CONNECT: cannot reach Redis at 127\.0\.0\.1:\d+/);
    } finally {
      await silent.close();
      await db.drop();
    }
  }, 30_000);
});

describe("the CLI's enqueue against a stalled Redis", () => {
  it("gives up at the command timeout, naming the job that may still be added", async () => {
    const redis = createTestRedis();
    const target = new URL(redis.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    try {
      proxy.stall();
      const proc = startProcess(
        [
          "enqueue",
          "TestQueue",
          "Echo",
          '{"text":"stalled"}',
          "--manifest",
          path.resolve(__dirname, "../../fixtures/runtime/echo/jobs.yaml"),
        ],
        {
          REDIS_URL: proxy.via(redis.url),
          REDIS_PREFIX: redis.prefix.slice(0, -1),
          CHATIA_REDIS_COMMAND_TIMEOUT_MS: "1000",
        },
      );
      expect(await exitWithin(proc.exited(), 15_000)).toBe(1);
      const told = /job (\S+) may still be added and run/.exec(proc.output())?.[1];
      expect(proc.output()).toMatch(/^CF_REDIS_CONNECT: Redis did not answer the enqueue/m);
      expect(told).toBeDefined();
      proxy.resume();
      // Whatever Redis does with the held commands, the only job there can be is the one named.
      const ids = await redis.redis.keys(`${redis.prefix}TestQueue:*-*`);
      expect(ids.every((key) => key.endsWith(`:${told}`))).toBe(true);
    } finally {
      await proxy.close();
      await redis.cleanup();
    }
  }, 30_000);
});

describe("a stalled Postgres or Redis while the runtime runs", () => {
  let pg: TcpProxy;
  let redis: TcpProxy;
  let t: TestRuntime;
  let token: string;
  const API_DEADLINE_MS = 2_000;

  beforeAll(async () => {
    const pgTarget = new URL(adminDatabaseUrl());
    pg = await startTcpProxy({ host: pgTarget.hostname, port: Number(pgTarget.port) });
    const redisTarget = new URL(redisUrlFromEnv());
    redis = await startTcpProxy({ host: redisTarget.hostname, port: Number(redisTarget.port) });
    t = await startTestRuntime(path.resolve(__dirname, "../../fixtures/runtime/echo"), {
      editor: false,
      databaseUrl: (url) => pg.via(url),
      redisUrl: (url) => redis.via(url),
      timeouts: {
        apiRequestMs: API_DEADLINE_MS,
        readyCheckMs: 1_000,
        redisCommandMs: 3_000,
        dbStatementMs: 5_000,
      },
    });
    const rows = testRows(t.db.sequelize);
    const company = await rows.insert("Companies", { name: "Bounded" });
    await rows.insert("Users", {
      companyId: company.id,
      name: "Root",
      email: "root@bounded.test",
      passwordHash: await hashPassword("root-password-123"),
      profile: "admin",
      super: true,
    });
    const login = await fetch(`${t.runtime.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "root@bounded.test", password: "root-password-123" }),
    });
    expect(login.status).toBe(200);
    token = ((await login.json()) as { accessToken: string }).accessToken;
  }, 60_000);
  afterAll(async () => {
    pg?.resume();
    redis?.resume();
    await t?.stop();
    await pg?.close();
    await redis?.close();
  });

  /** /readyz's answer; the request itself may take no longer than the 5 s the target allows. */
  async function readyz(): Promise<{ status: number; down: string[] }> {
    const response = await fetch(`${t.runtime.url}/readyz`, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { down: { name: string }[] };
    return { status: response.status, down: body.down.map((d) => d.name).sort() };
  }

  const api = (route: string, init: RequestInit = {}) =>
    fetch(`${t.runtime.url}${route}`, {
      ...init,
      // No request may wait past its deadline: give it the deadline and a margin, no more.
      signal: AbortSignal.timeout(API_DEADLINE_MS + 3_000),
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    });

  it("Postgres stalls: /readyz says 503 within 5 s, an API request gets 503 at its deadline; back: 200 within 5 s", async () => {
    expect(await readyz()).toEqual({ status: 200, down: [] });
    pg.stall();
    await vi.waitFor(
      async () => expect(await readyz()).toEqual({ status: 503, down: ["postgres"] }),
      {
        timeout: 5_000,
        interval: 200,
      },
    );
    const progress = await api("/api/campaigns/1/progress");
    expect(progress.status).toBe(503);
    expect(await progress.json()).toMatchObject({
      code: "CF_API_TIMEOUT",
      message: expect.stringContaining("nothing is known to have changed"),
    });
    pg.resume();
    await vi.waitFor(async () => expect(await readyz()).toEqual({ status: 200, down: [] }), {
      timeout: 5_000,
      interval: 200,
    });
    expect((await api("/api/campaigns/1/progress")).status).toBe(404);
  });

  it("Redis stalls: /readyz says 503 within 5 s, an enqueue gets 503 naming the job that may still run; back: 200 within 5 s", async () => {
    redis.stall();
    // socket.io's subscriber goes through the same stalled Redis: events would be lost too.
    await vi.waitFor(
      async () => expect(await readyz()).toEqual({ status: 503, down: ["redis", "socket.io"] }),
      {
        timeout: 5_000,
        interval: 200,
      },
    );
    const enqueued = await api("/api/queues/TestQueue/jobs", {
      method: "POST",
      body: JSON.stringify({ name: "Echo", data: { text: "stalled" } }),
    });
    expect(enqueued.status).toBe(503);
    const body = (await enqueued.json()) as {
      code: string;
      details: { jobId: string; mayStillRun: boolean };
    };
    expect(body).toMatchObject({ code: "CF_API_TIMEOUT", details: { mayStillRun: true } });
    redis.resume();
    await vi.waitFor(async () => expect(await readyz()).toEqual({ status: 200, down: [] }), {
      timeout: 5_000,
      interval: 200,
    });
    // Whatever Redis did with the held commands, no job runs but the one the client was told of.
    const queue = t.runtime.queues.queue("TestQueue").bull;
    const jobs = await queue.getJobs(["waiting", "active", "delayed", "completed", "failed"]);
    expect(jobs.filter((j) => j && String(j.id) !== body.details.jobId)).toEqual([]);
    // And work flows again.
    const again = await api("/api/queues/TestQueue/jobs", {
      method: "POST",
      body: JSON.stringify({ name: "Echo", data: { text: "back" } }),
    });
    expect(again.status).toBe(201);
  });
});
