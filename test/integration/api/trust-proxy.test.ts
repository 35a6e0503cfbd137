// Behind a proxy (CHATIA_TRUST_PROXY), the login limits count the client address the proxy
// forwards, not the proxy's own: one client past its limit leaves the others alone. And the
// setting is read as Express takes it, refusing what it cannot mean.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, trustProxy } from "../../../runtime/app/config";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

let t: TestRuntime;

beforeAll(async () => {
  t = await startTestRuntime(path.resolve(__dirname, "../../fixtures/runtime/echo"), {
    role: "api",
    editor: false,
    trustProxy: 1,
  });
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

const login = (client: string, email: string) =>
  fetch(`${t.runtime.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": client },
    body: JSON.stringify({ email, password: "wrong password" }),
  });

describe("CHATIA_TRUST_PROXY", () => {
  it("makes the login limits count the forwarded client address", async () => {
    for (let i = 0; i < 30; i++)
      expect((await login("203.0.113.5", `guess${i}@example.test`)).status).toBe(401);
    expect((await login("203.0.113.5", "another@example.test")).status).toBe(429);
    expect((await login("198.51.100.7", "another@example.test")).status).toBe(401);
  });

  it("is read as a hop count, true, or addresses; anything else stops the start", () => {
    expect(trustProxy(undefined)).toBe(false);
    expect(trustProxy("2")).toBe(2);
    expect(trustProxy("true")).toBe(true);
    expect(trustProxy("loopback, 10.0.0.0/8")).toBe("loopback, 10.0.0.0/8");
    expect(() => trustProxy("yes please; rm")).toThrow(/CHATIA_TRUST_PROXY/);
    const env = { CHATIA_JWT_SECRET: "x".repeat(32), NODE_RED_CREDENTIAL_SECRET: "y".repeat(16) };
    expect(loadConfig({ editor: false }, { ...env, CHATIA_TRUST_PROXY: "1" }).trustProxy).toBe(1);
  });
});
