// The login budget of an address is one across api processes: two Express apps, each with its own
// LoginLimits and its own Redis connection (as two api processes have) on one Redis prefix, count
// the same failures; another address keeps its own budget.
import type { Server } from "node:http";
import express from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoginLimits } from "../../../runtime/http/auth/login-limits";
import { createTestRedis, keysUnder, type TestRedis } from "../../helpers/redis";

let redis: TestRedis;
const servers: Server[] = [];

/** An api process's login route: every attempt fails (401) unless the limits answered first. */
function apiProcess(): Server {
  const client = redis.connect();
  const limits = new LoginLimits({
    addressMax: 4,
    loginMax: 100,
    counts: {
      sendCommand: (command, ...args) => client.call(command, ...args),
      prefix: redis.prefix,
    },
  });
  const app = express();
  app.set("trust proxy", 1);
  app.use(express.json());
  app.post(
    "/login",
    ...limits.guard(
      (req) => String(req.body?.email ?? ""),
      (_req, res) => void res.status(429).json({ code: "CF_AUTH_RATE_LIMITED" }),
    ),
    (_req, res) => void res.status(401).json({ code: "CF_AUTH_INVALID" }),
  );
  const server = app.listen(0, "127.0.0.1");
  servers.push(server);
  return server;
}

const attempt = (server: Server, from: string, email: string) =>
  request(server).post("/login").set("x-forwarded-for", from).send({ email, password: "wrong" });

beforeAll(() => {
  redis = createTestRedis();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await redis.cleanup();
});

describe("login limits kept in Redis", () => {
  it("give an address one budget of failures across processes", async () => {
    const [a, b] = [apiProcess(), apiProcess()] as [Server, Server];
    const statuses: number[] = [];
    for (const [i, server] of [a, b, a, b].entries())
      statuses.push((await attempt(server, "198.51.100.7", `user${i}@acme.test`)).status);
    expect(statuses).toEqual([401, 401, 401, 401]);
    // The fifth failure, on either process, is over the address's budget of 4.
    expect((await attempt(a, "198.51.100.7", "other@acme.test")).status).toBe(429);
    expect((await attempt(b, "198.51.100.7", "other@acme.test")).status).toBe(429);
    // Another address is not held by it.
    expect((await attempt(b, "198.51.100.8", "user0@acme.test")).status).toBe(401);
    // The counts live under the deployment's prefix.
    expect((await keysUnder(redis.redis, `${redis.prefix}:chatia:logins:`)).length).toBeGreaterThan(
      0,
    );
  });
});
