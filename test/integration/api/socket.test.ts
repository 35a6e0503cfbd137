// socket.io with a real client against an api process: the handshake needs a token, a company's
// token joins its own namespace only, events emitted by a worker process reach the api's clients,
// and no company ever sees another company's events.
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SequelizeAuthStore } from "../../../runtime/adapters/db/repositories/auth-store";
import { createRedis, type Redis } from "../../../runtime/adapters/redis";
import { attachSocketServer, RedisCompanyEvents } from "../../../runtime/adapters/socket";
import { hashPassword } from "../../../runtime/cli/commands/db";
import { AuthService } from "../../../runtime/http/auth";
import { type RunningProcess, startProcess } from "../../helpers/process";
import { testRows } from "../../helpers/rows";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";
import { type CompanySocket, connectCompanySocket, refusedConnect } from "../../helpers/socket";

const fixture = path.resolve(__dirname, "../../fixtures/runtime/events");
const PASSWORD = "socket-test-password";
let t: TestRuntime | undefined;
let url: string;
let companyA: number;
let companyB: number;
const tokens: Record<"a" | "b" | "super" | "apiA", string> = { a: "", b: "", super: "", apiA: "" };
let publisher: Redis;
let events: RedisCompanyEvents;
const open: CompanySocket[] = [];

async function login(email: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

async function connect(companyId: number, token: string): Promise<CompanySocket> {
  const socket = await connectCompanySocket({ url, token, companyId });
  open.push(socket);
  return socket;
}

beforeAll(async () => {
  t = await startTestRuntime(fixture, { role: "api", editor: false });
  url = t.runtime.url ?? "";
  const rows = testRows(rt().db.sequelize);
  const [a, b] = await rows.insertMany("Companies", [{ name: "A" }, { name: "B" }]);
  companyA = a?.id ?? 0;
  companyB = b?.id ?? 0;
  const passwordHash = await hashPassword(PASSWORD);
  await rows.insertMany("Users", [
    { name: "Ana", email: "ana@a.test", passwordHash, profile: "user", companyId: companyA },
    { name: "Bia", email: "bia@b.test", passwordHash, profile: "admin", companyId: companyB },
    {
      name: "Root",
      email: "root@a.test",
      passwordHash,
      profile: "admin",
      companyId: companyA,
      super: true,
    },
  ]);
  tokens.a = await login("ana@a.test");
  tokens.b = await login("bia@b.test");
  tokens.super = await login("root@a.test");
  const auth = new AuthService({
    store: new SequelizeAuthStore(rt().db.sequelize),
    jwtSecret: rt().config.jwtSecret,
  });
  tokens.apiA = (
    await auth.createApiToken({ name: "frontend", companyId: companyA, profile: "user" })
  ).token;
  publisher = createRedis(rt().redis.url);
  events = new RedisCompanyEvents(publisher, rt().config.prefix);
}, 60_000);

afterAll(async () => {
  for (const s of open) s.close();
  await publisher?.quit();
  await t?.stop();
});

/** The running api process (until the shutdown test stops it). */
const rt = (): TestRuntime => {
  if (!t) throw new Error("the runtime was stopped");
  return t;
};

describe("the socket.io handshake", () => {
  it("refuses a client without a token", async () => {
    const err = await refusedConnect({ url, companyId: companyA });
    expect(err.message).toMatch(/authentication required/);
    expect(err.data).toMatchObject({ code: "CF_AUTH_REQUIRED" });
  });

  it("refuses an invalid token", async () => {
    const err = await refusedConnect({ url, companyId: companyA, token: "not-a-jwt" });
    expect(err.data).toMatchObject({ code: "CF_AUTH_INVALID" });
    const revoked = await refusedConnect({ url, companyId: companyA, token: "cfa_nothing" });
    expect(revoked.data).toMatchObject({ code: "CF_AUTH_INVALID" });
  });

  it("refuses another company's namespace", async () => {
    const err = await refusedConnect({ url, companyId: companyB, token: tokens.a });
    expect(err.message).toContain(`company ${companyB}`);
    expect(err.data).toMatchObject({ code: "CF_AUTH_FORBIDDEN" });
    const byApiToken = await refusedConnect({ url, companyId: companyB, token: tokens.apiA });
    expect(byApiToken.data).toMatchObject({ code: "CF_AUTH_FORBIDDEN" });
  });

  it("knows a company's namespace by one spelling only (/<id>, not /0<id>)", async () => {
    const err = await refusedConnect({
      url,
      companyId: companyA,
      namespace: `/0${companyA}`,
      token: tokens.a,
    });
    expect(err.message).toBe("Invalid namespace");
  });

  it("lets a company's access token or API token join its namespace, a super-admin any", async () => {
    await connect(companyA, tokens.a);
    await connect(companyA, tokens.apiA);
    await connect(companyB, tokens.super);
  });

  it("ends a socket when its access token expires (the client reconnects with a fresh one)", async () => {
    const shortLived = new AuthService({
      store: new SequelizeAuthStore(rt().db.sequelize),
      jwtSecret: rt().config.jwtSecret,
      accessTtlSeconds: 2,
    });
    const login = await shortLived.login("ana@a.test", PASSWORD);
    if (typeof login === "string") throw new Error(login);
    const client = await connect(companyA, login.accessToken);
    const reason = await new Promise<string>((resolve) =>
      client.socket.once("disconnect", resolve),
    );
    expect(reason).toBe("io server disconnect");
    const again = await refusedConnect({ url, companyId: companyA, token: login.accessToken });
    expect(again.data).toMatchObject({ code: "CF_AUTH_INVALID" });
    expect(again.message).toMatch(/expired/);
  });

  it("takes the token from an Authorization header or the query (ChatIA's frontend) too", async () => {
    const s = await connectCompanySocket({
      url,
      companyId: companyA,
      headers: { authorization: `Bearer ${tokens.a}` },
    });
    open.push(s);
    open.push(await connectCompanySocket({ url, companyId: companyA, query: { token: tokens.a } }));
    const foreign = await refusedConnect({ url, companyId: companyB, query: { token: tokens.a } });
    expect(foreign.data).toMatchObject({ code: "CF_AUTH_FORBIDDEN" });
  });

  it("refuses a browser of a foreign origin (CORS closed by default)", async () => {
    const handshake = (origin: string) =>
      fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    const foreign = await handshake("https://evil.example");
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    expect((await handshake(url)).status).toBe(200);
    await expect(
      connectCompanySocket({
        url,
        companyId: companyA,
        token: tokens.a,
        transports: ["polling"],
        headers: { origin: "https://evil.example" },
      }),
    ).rejects.toThrow();
    const same = await connectCompanySocket({
      url,
      companyId: companyA,
      token: tokens.a,
      transports: ["polling"],
      headers: { origin: url },
    });
    open.push(same);
  });
});

describe("with CHATIA_CORS_ORIGINS set", () => {
  it("a listed origin's browser may connect; others are refused", async () => {
    const server = http.createServer();
    const auth = new AuthService({
      store: new SequelizeAuthStore(rt().db.sequelize),
      jwtSecret: rt().config.jwtSecret,
    });
    const sockets = attachSocketServer({
      server,
      redisUrl: rt().redis.url,
      prefix: rt().config.prefix,
      authenticate: (token) => auth.authenticate(token),
      corsOrigins: ["https://app.example.com"],
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const handshake = (origin: string) =>
        fetch(`${base}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
      const listed = await handshake("https://app.example.com");
      expect(listed.status).toBe(200);
      expect(listed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
      expect((await handshake("https://evil.example")).status).toBe(403);
      const client = await connectCompanySocket({
        url: base,
        companyId: companyA,
        token: tokens.a,
        transports: ["polling"],
        headers: { origin: "https://app.example.com" },
      });
      client.close();
    } finally {
      await sockets.close();
    }
  });
});

describe("events", () => {
  it("company A receives all its own 500 events of 1,000 and none of company B's", async () => {
    const a = await connect(companyA, tokens.a);
    const b = await connect(companyB, tokens.b);
    const nameA = `company-${companyA}-campaign`;
    const nameB = `company-${companyB}-campaign`;
    // Warmed up on another topic: a late copy of the warm-up cannot pass for one of the 1,000.
    await a.untilReceiving(() => events.emit(companyA, "probe", {}), `company-${companyA}-probe`);
    await b.untilReceiving(() => events.emit(companyB, "probe", {}), `company-${companyB}-probe`);
    a.clear();
    b.clear();
    for (let i = 0; i < 1000; i++) {
      const company = i % 2 === 0 ? companyA : companyB;
      events.emit(company, "campaign", { action: "update", record: { id: i, companyId: company } });
    }
    const gotA = await a.waitFor(nameA, 500);
    const gotB = await b.waitFor(nameB, 500);
    // A marker published after the 1,000 (by the same publisher) arrives after all of them: once
    // each client has it, nothing else of theirs is on its way.
    events.emit(companyA, "marker", {});
    events.emit(companyB, "marker", {});
    await a.waitFor(`company-${companyA}-marker`);
    await b.waitFor(`company-${companyB}-marker`);
    const topics = (c: CompanySocket) => new Set(c.names().filter((n) => !n.endsWith("-probe")));
    expect(topics(a)).toEqual(new Set([nameA, `company-${companyA}-marker`]));
    expect(topics(b)).toEqual(new Set([nameB, `company-${companyB}-marker`]));
    expect(a.received(nameA)).toHaveLength(500);
    expect(b.received(nameB)).toHaveLength(500);
    expect(gotA.map((e) => (e as { record: { id: number } }).record.id)).toEqual(
      Array.from({ length: 500 }, (_, k) => 2 * k),
    );
    expect(
      gotB.every((e) => (e as { record: { companyId: number } }).record.companyId === companyB),
    ).toBe(true);
  });

  it("an event emitted by a worker process reaches a client of the api process", async () => {
    const worker: RunningProcess = startProcess(["start", "--role", "worker"], {
      DATABASE_URL: rt().db.url,
      REDIS_URL: rt().redis.url,
      REDIS_PREFIX: rt().config.prefix,
      CHATIA_MANIFEST: rt().config.manifestFile,
      CHATIA_DATA_DIR: path.join(rt().dir, ".worker"),
      NODE_RED_CREDENTIAL_SECRET: rt().config.credentialSecret,
    });
    try {
      await worker.waitFor(/chatia-flow worker running/, 60_000);
      const a = await connect(companyA, tokens.a);
      const name = `company-${companyA}-ticket`;
      const enqueue = async (text: string) => {
        const res = await fetch(`${url}/api/queues/EventsQueue/jobs`, {
          method: "POST",
          headers: { authorization: `Bearer ${tokens.super}`, "content-type": "application/json" },
          body: JSON.stringify({ name: "Announce", data: { companyId: companyA, text } }),
        });
        expect(res.status).toBe(201);
      };
      await a.untilReceiving(() => void enqueue("warm-up"), name, {
        timeoutMs: 20_000,
        everyMs: 500,
      });
      await enqueue("from the worker");
      const sent = { companyId: companyA, text: "from the worker" };
      await expect
        .poll(() => a.received(name).filter((p) => JSON.stringify(p) === JSON.stringify(sent)))
        .toHaveLength(1);
    } finally {
      worker.child.kill("SIGTERM");
      await worker.exited();
    }
  }, 90_000);
});

describe("shutdown", () => {
  it("stopping the api process disconnects its clients and closes the socket.io server", async () => {
    const client = await connect(companyA, tokens.a);
    const reason = new Promise<string>((resolve) => client.socket.once("disconnect", resolve));
    const running = rt();
    t = undefined;
    const started = Date.now();
    await running.stop();
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(reason).resolves.toMatch(/io server disconnect|transport close/);
    await expect(fetch(`${url}/socket.io/?EIO=4&transport=polling`)).rejects.toThrow();
  });
});
