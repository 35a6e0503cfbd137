// The logins against a hostile client, on a real runtime (the repository's jobs.yaml, the editor
// on, behind one trusted proxy so each test client has an address of its own): nobody locks the
// editor's operator out with wrong passwords from a few addresses; an address has one budget of
// failures for the API, the admin form and the editor together, however the address is written
// (IPv4-mapped, another host of an IPv6 /56); a flood of logins is answered
// 200, 503 or 429 (bcrypt runs off the event loop, a bounded number at once); and bodies
// nested 10,000 deep or over the limit are a JSON 400 / 413 on the editor's admin API, its login
// and Bull Board, as on the API.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { repoFixture } from "../../helpers/repo-fixture";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";
import { insertCompanyUsers, ROOT } from "../../helpers/users";

vi.setConfig({ testTimeout: 120_000 });

const PASSWORD = "abuse-password-123";
let t: TestRuntime;
let url: string;

beforeAll(async () => {
  t = await startTestRuntime(await repoFixture(), { role: "api", trustProxy: 1 });
  url = t.runtime.url ?? "";
  await insertCompanyUsers(t.db.sequelize, "Acme", PASSWORD, [
    ROOT,
    { name: "Ada", email: "ada@acme.test" },
  ]);
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

/** A POST from client address `from` (the proxy in front forwards it). */
function post(
  from: string,
  route: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  // node:http rather than fetch: a fresh connection per request, as separate clients make.
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}${route}`,
      {
        method: "POST",
        agent: false,
        headers: { "x-forwarded-for": from, "content-type": "application/json", ...headers },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { "content-type": "application/x-www-form-urlencoded" };

const editorLogin = (from: string, username: string, password: string) =>
  post(
    from,
    "/flows/auth/token",
    form({ client_id: "node-red-editor", grant_type: "password", scope: "*", username, password }),
    FORM,
  );
const apiLogin = (from: string, email: string, password: string) =>
  post(from, "/api/auth/login", JSON.stringify({ email, password }));
const adminForm = (from: string, email: string, password: string) =>
  post(from, "/admin/login", form({ email, password }), FORM);

describe("the editor's login", () => {
  it("cannot be locked for the operator by wrong passwords from a few addresses", async () => {
    // Node-RED throttles a user name after 5 attempts in 10 minutes, wherever they come from:
    // 12 wrong ones from 3 addresses, each under its own limit, used to lock the operator out.
    for (const from of ["198.51.100.1", "198.51.100.2", "198.51.100.3"])
      for (let i = 0; i < 4; i++) {
        const res = await editorLogin(from, "admin", `guess ${i}`);
        expect(res.status, res.text).toBe(403);
        expect(JSON.parse(res.text)).toMatchObject({ error: "invalid_grant" });
      }
    const res = await editorLogin("198.51.100.4", "admin", t.config.admin.password);
    expect(res.status, res.text).toBe(200);
    expect(JSON.parse(res.text)).toHaveProperty("access_token");
  });
});

describe("an address's failed logins", () => {
  it("are counted once for the API, the admin form and the editor", async () => {
    const from = "198.51.100.20";
    for (let i = 0; i < 4; i++)
      expect((await apiLogin(from, "root@ops.test", `guess ${i}`)).status).toBe(401);
    for (let i = 4; i < 8; i++)
      expect((await adminForm(from, "root@ops.test", `guess ${i}`)).status).toBe(401);
    for (let i = 8; i < 10; i++)
      expect((await editorLogin(from, "root@ops.test", `guess ${i}`)).status).toBe(403);
    // The 11th guess at root's password from this address, whichever door it knocks on.
    const limited = [
      await apiLogin(from, "root@ops.test", "guess 10"),
      await adminForm(from, "root@ops.test", "guess 10"),
      await editorLogin(from, "root@ops.test", "guess 10"),
    ];
    expect(limited.map((r) => r.status)).toEqual([429, 429, 429]);
    // Root from elsewhere is not locked out, anywhere.
    expect((await apiLogin("198.51.100.21", "root@ops.test", PASSWORD)).status).toBe(200);
    expect((await adminForm("198.51.100.21", "root@ops.test", PASSWORD)).status).toBe(303);
    expect((await editorLogin("198.51.100.21", "root@ops.test", PASSWORD)).status).toBe(200);
  });
});

describe("an address written another way", () => {
  it("is the same address: IPv4-mapped IPv6 as IPv4, an IPv6 address by its /56", async () => {
    for (let i = 0; i < 30; i++)
      expect((await apiLogin("203.0.113.77", `nobody${i}@acme.test`, "x")).status).toBe(401);
    expect((await apiLogin("::ffff:203.0.113.77", "other@acme.test", "x")).status).toBe(429);
    expect((await apiLogin("203.0.113.78", "other@acme.test", "x")).status).toBe(401);
    for (let i = 0; i < 30; i++)
      expect((await apiLogin("2001:db8:0:100::1", `nobody${i}@acme.test`, "x")).status).toBe(401);
    // Another address of the same /56 (a host's usual allocation), then one of another /56.
    expect((await apiLogin("2001:db8:0:1ff::9", "other@acme.test", "x")).status).toBe(429);
    expect((await apiLogin("2001:db8:0:200::1", "other@acme.test", "x")).status).toBe(401);
  });
});

describe("a flood of logins", () => {
  it("is answered 200, 503 or 429, and a login goes through after it", async () => {
    // The password checks run in libuv's thread pool, a bounded number at once with a bounded
    // queue: past it a login is answered 503 at once, never left waiting behind the others. What
    // the flood costs the event loop is a figure, measured by npm run bench:login-flood.
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        apiLogin(`203.0.113.${i % 250}`, "ada@acme.test", PASSWORD),
      ),
    );
    const statuses = new Set(answers.map((r) => r.status));
    for (const status of statuses) expect([200, 429, 503]).toContain(status);
    expect(statuses).toContain(200);
    const busy = answers.find((r) => r.status === 503);
    expect(busy && JSON.parse(busy.text)).toMatchObject({ code: "CF_AUTH_BUSY" });
    expect((await apiLogin("203.0.113.251", "ada@acme.test", PASSWORD)).status).toBe(200);
  });
});

describe("bodies no surface expects", () => {
  const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
  const huge = JSON.stringify({ data: "x".repeat(6 * 1024 * 1024) });

  it("nested 10,000 deep or over the limit: 400 / 413 on the editor, its login, Bull Board and the admin form", async () => {
    const from = "192.0.2.50";
    const editor = JSON.parse((await editorLogin(from, "admin", t.config.admin.password)).text);
    const api = JSON.parse((await apiLogin(from, "root@ops.test", PASSWORD)).text);
    const asEditor = { authorization: `Bearer ${editor.access_token}` };
    const asSuper = { authorization: `Bearer ${api.accessToken}` };
    const cases: [string, string, Record<string, string>, number][] = [
      ["/flows/flows", deep, asEditor, 400],
      ["/flows/settings/user", `{"a":${deep}}`, asEditor, 400],
      ["/flows/flows", huge, asEditor, 413],
      ["/flows/auth/token", `{"username":${"[".repeat(3000)}${"]".repeat(3000)}}`, {}, 400],
      ["/flows/auth/token", deep, {}, 413],
      [
        "/admin/queues/api/queues/MessageQueue/add",
        `{"name":"SendMessage","data":${deep}}`,
        asSuper,
        400,
      ],
      ["/admin/queues/api/queues/MessageQueue/add", huge, asSuper, 413],
    ];
    for (const [route, body, headers, status] of cases) {
      const res = await post(from, route, body, headers);
      const where = `${route} ${body.length} bytes`;
      expect(res.status, `${where}: ${res.text.slice(0, 200)}`).toBe(status);
      expect(JSON.parse(res.text), where).toMatchObject({
        code: status === 413 ? "CF_API_TOO_LARGE" : "CF_API_BAD_REQUEST",
      });
    }
    // The admin form's own parser refuses a body over 8 kB: the form again, with 413.
    const form = await post(from, "/admin/login", `email=${"a".repeat(20_000)}`, FORM);
    expect(form.status).toBe(413);
    expect(form.text).toContain('<form method="post" action="/admin/login">');
    expect(form.text).not.toMatch(/node_modules|at \w+ \(/);
    // Nothing was added to the queue, and the editor still takes a deploy of its flows.
    expect(await t.runtime.queues.queue("MessageQueue").bull.getJobCounts()).toMatchObject({
      waiting: 0,
      delayed: 0,
    });
    const flows = await fetch(`${url}/flows/flows`, {
      headers: { ...asEditor, "node-red-api-version": "v2" },
    });
    const deploy = await post(from, "/flows/flows", await flows.text(), {
      ...asEditor,
      "node-red-api-version": "v2",
      "node-red-deployment-type": "full",
    });
    expect(deploy.status, deploy.text).toBe(200);
  });
});
