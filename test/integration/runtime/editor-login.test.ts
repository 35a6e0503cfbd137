// The editor's login: the deployment's operator account and the API's super-admin users, with
// their own passwords; a company's admin and wrong passwords are refused; a user who loses
// super-admin loses the editor session at the next request. The editor's jobs tab answers to the
// same login only: none of the API's tokens opens it.

import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SequelizeAuthStore } from "../../../runtime/adapters/db/repositories/auth-store";
import { AuthService } from "../../../runtime/http/auth";
import { hashPassword } from "../../../runtime/http/auth/passwords";
import { testRows } from "../../helpers/rows";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";
import { apiLogin } from "../../helpers/users";

const fixture = path.resolve(__dirname, "../../fixtures/runtime/behaviours");
const PASSWORD = "a long enough password";
let t: TestRuntime;
let companyId: number;

beforeAll(async () => {
  t = await startTestRuntime(fixture);
  const rows = testRows(t.db.sequelize);
  const company = await rows.insert("Companies", { name: "Acme" });
  const passwordHash = await hashPassword(PASSWORD);
  await rows.insertMany("Users", [
    {
      name: "Root",
      email: "root@ops.test",
      passwordHash,
      profile: "admin",
      companyId: company.id,
      super: true,
    },
    { name: "Ada", email: "ada@acme.test", passwordHash, profile: "admin", companyId: company.id },
    { name: "Bia", email: "bia@acme.test", passwordHash, profile: "user", companyId: company.id },
  ]);
  companyId = company.id;
});
afterAll(async () => {
  await t?.stop();
});

async function editorLogin(username: string, password: string): Promise<Response> {
  return fetch(`${t.runtime.url}/flows/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_id: "node-red-editor",
      grant_type: "password",
      scope: "*",
      username,
      password,
    }),
  });
}

async function tokenOf(response: Response): Promise<string> {
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

const flows = (token?: string) =>
  fetch(`${t.runtime.url}/flows/flows`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

describe("the editor's login", () => {
  it("lets the operator account in", async () => {
    const token = await tokenOf(await editorLogin("admin", t.config.admin.password));
    expect((await flows(token)).status).toBe(200);
  });

  it("lets a super-admin in with the password of the API's login", async () => {
    const token = await tokenOf(await editorLogin("root@ops.test", PASSWORD));
    expect((await flows(token)).status).toBe(200);
  });

  it("refuses a company's admin, a wrong password and no token", async () => {
    // Node-RED answers a refused password grant with 403, a request without a token with 401.
    expect((await editorLogin("ada@acme.test", PASSWORD)).status).toBe(403);
    expect((await editorLogin("root@ops.test", "wrong password")).status).toBe(403);
    expect((await editorLogin("admin", "wrong password")).status).toBe(403);
    expect((await editorLogin("nobody@ops.test", PASSWORD)).status).toBe(403);
    expect((await flows()).status).toBe(401);
  });

  it("ends the session of a user who is no longer super-admin", async () => {
    const token = await tokenOf(await editorLogin("root@ops.test", PASSWORD));
    expect((await flows(token)).status).toBe(200);
    const rows = testRows(t.db.sequelize);
    await rows.update("Users", { super: false }, { email: "root@ops.test" });
    expect((await flows(token)).status).toBe(401);
    await rows.update("Users", { super: true }, { email: "root@ops.test" });
  });

  it("opens the jobs tab's endpoints to the editor's login only, none of the API's tokens", async () => {
    const auth = new AuthService({
      store: new SequelizeAuthStore(t.db.sequelize),
      jwtSecret: t.config.jwtSecret,
    });
    const login = (email: string) => apiLogin(t.runtime.url ?? "", email, PASSWORD);
    const refused: Record<string, string> = {
      "a company admin's access token": await login("ada@acme.test"),
      "an attendant's access token": await login("bia@acme.test"),
      "a super-admin's access token (the API's, not the editor's)": await login("root@ops.test"),
      "a company API token": (
        await auth.createApiToken({ name: "ci", companyId, profile: "admin" })
      ).token,
      "a super-admin API token": (
        await auth.createApiToken({ name: "ops", companyId: null, profile: "admin" })
      ).token,
    };
    const panel = `${t.runtime.url}/flows/chatia/jobs-panel/TestQueue/Throw`;
    /** Reads, retries and (unless told not to) runs: each answer's status. */
    const calls = (token?: string, run = true) => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (token) headers.authorization = `Bearer ${token}`;
      const body = JSON.stringify({ payload: {} });
      return Promise.all([
        fetch(panel, { headers }),
        fetch(`${panel}/jobs/1`, { headers }),
        fetch(`${panel}/jobs/1/retry`, { method: "POST", headers }),
        ...(run ? [fetch(`${panel}/run`, { method: "POST", headers, body })] : []),
      ]).then((all) => all.map((r) => r.status));
    };
    expect(await calls(), "no token").toEqual([401, 401, 401, 401]);
    for (const [who, token] of Object.entries(refused))
      expect(await calls(token), who).toEqual([401, 401, 401, 401]);
    // The editor's users get in: the overview answers, an unknown job is not found.
    for (const [user, password] of [
      ["admin", t.config.admin.password],
      ["root@ops.test", PASSWORD],
    ] as const) {
      const token = await tokenOf(await editorLogin(user, password));
      expect(await calls(token, false), user).toEqual([200, 404, 404]);
    }
  });

  it("limits failed logins per address and user name (429), leaving other accounts alone", async () => {
    // The process's shared limit of 10 per address and account (wrong passwords no longer reach
    // Node-RED's own throttle of 5 per user name, so the editor no longer needs a lower one).
    for (let i = 0; i < 10; i++) {
      const res = await editorLogin("mallory@ops.test", `guess ${i}`);
      expect(res.status, `${i}: ${await res.text()}`).toBe(403);
    }
    const limited = await editorLogin("mallory@ops.test", "guess 10");
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ code: "CF_AUTH_RATE_LIMITED" });
    expect((await editorLogin("admin", t.config.admin.password)).status).toBe(200);
  });
});
