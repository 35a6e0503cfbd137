// The editor's jobs tab in a real browser, on the project's own jobs.yaml and flows/: a failed
// SendMessage shows with its error code and the node that failed (a click reveals the node), and
// its retry from the tab succeeds; a test run with a payload typed in the tab is checked against
// the payload schema, then shows the path its message took. Jobs run elsewhere show up without a
// reload. The palette holds no exec nor server nodes.
import { rm } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatedWhatsApp } from "../../runtime/adapters/whatsapp";
import { launchBrowser } from "../helpers/browser";
import { showJobsTab } from "../helpers/editor";
import { projectFixture } from "../helpers/project";
import { testRows } from "../helpers/rows";
import { startTestRuntime, type TestRuntime } from "../helpers/runtime";

/** Ids in flows/send-message.json. */
const JOB_IN = "5e4d0002";
const SEND_NODE = "5e4d0003";
const JOB_OUT = "5e4d0004";
/** A connection that does not exist until the operator mends the data. */
const MISSING_CONNECTION = 4242;

let fixture: string;
let t: TestRuntime;
let browser: Browser;
let page: Page;
let companyId: number;
let failedJobId: string;
const shots = () => process.env.SCREENSHOT_DIR ?? t.dir;

beforeAll(async () => {
  fixture = await projectFixture();
  t = await startTestRuntime(fixture);
  const rows = testRows(t.db.sequelize);
  companyId = (await rows.insert("Companies", { name: "Ops" })).id;
  await rows.insert("Whatsapps", { name: "main", status: "CONNECTED", companyId });
  // A send through a connection that does not exist: the `send whatsapp` node fails it for good.
  const job = await t.runtime.queues.enqueue("MessageQueue", "SendMessage", {
    whatsappId: MISSING_CONNECTION,
    data: { number: "5511999990001", body: "Olá", companyId },
  });
  await expect(job.finished()).rejects.toThrow(/at node "send the message" 5e4d0003/);
  failedJobId = String(job.id);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
  if (fixture) await rm(fixture, { recursive: true, force: true });
});

describe("the editor's jobs tab", () => {
  it("logs in; the palette holds neither exec nor nodes that need a server", async () => {
    await page.goto(`${t.runtime.url}/flows/`);
    await page.locator("#node-dialog-login-username").fill(t.config.admin.username);
    await page.locator("#node-dialog-login-password").fill(t.config.admin.password);
    await page.locator("#node-dialog-login-submit").click();
    await page.locator("#red-ui-palette-header-chatia").waitFor({ timeout: 30_000 });
    const palette = (type: string) =>
      page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).count();
    for (const type of ["exec", "http in", "http response", "mqtt in", "tcp in", "websocket in"])
      expect(await palette(type), type).toBe(0);
    for (const type of ["function", "http request", "job in"])
      expect(await palette(type), type).toBe(1);
  });

  it("answers only behind the editor's login", async () => {
    const base = `${t.runtime.url}/flows/chatia/jobs-panel/MessageQueue/SendMessage`;
    expect((await fetch(base)).status).toBe(401);
    const run = await fetch(`${base}/run`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ payload: {} }),
    });
    expect(run.status).toBe(401);
    expect((await fetch(`${base}/jobs/${failedJobId}/retry`, { method: "POST" })).status).toBe(401);
  });

  it("(d) shows the flow's failed job with its code and node, and its retry succeeds", {
    timeout: 90_000,
  }, async () => {
    await page.locator("#red-ui-workspace-tabs li", { hasText: "send-message" }).click();
    await showJobsTab(page);
    await expect
      .poll(() => page.locator("#chatia-jobs-head").textContent(), { timeout: 15_000 })
      .toContain("MessageQueue / SendMessage");
    const failed = page.locator(`#chatia-jobs-failed li[data-job-id="${failedJobId}"]`);
    await failed.waitFor({ timeout: 15_000 });
    // A connection that does not exist leaves the job without an owner: nothing is sent for it.
    await expect(failed.locator(".chatia-jobs-code").textContent()).resolves.toBe(
      "CF_TENANCY_OWNER_UNKNOWN",
    );
    const node = failed.locator(".chatia-jobs-node");
    await expect(node.getAttribute("data-node-id")).resolves.toBe(SEND_NODE);
    await expect(node.textContent()).resolves.toBe("send the message");
    await expect(failed.locator(".chatia-jobs-reason").textContent()).resolves.toBe(
      `send whatsapp: the company of this send is not known: it references no existing WhatsApp connection ${MISSING_CONNECTION}`,
    );
    // A click reveals the node: the editor flashes it on its tab.
    await node.click();
    await page.waitForFunction(
      (id) => Boolean((window as unknown as EditorWindow).RED.nodes.node(id)?.__flashTimer),
      SEND_NODE,
    );
    await page.screenshot({ path: path.join(shots(), "editor-jobs-tab-failed.png") });

    // The operator mends the data (the connection now exists), then retries from the tab.
    await testRows(t.db.sequelize).insert("Whatsapps", {
      id: MISSING_CONNECTION,
      name: "mended",
      status: "CONNECTED",
      companyId,
    });
    await failed.locator(".chatia-jobs-retry").click();
    const queue = t.runtime.queues.queue("MessageQueue").bull;
    await expect
      .poll(async () => (await queue.getJob(failedJobId))?.getState(), { timeout: 20_000 })
      .toBe("completed");
    await page
      .locator(`#chatia-jobs-latest li[data-job-id="${failedJobId}"][data-state="completed"]`)
      .waitFor({ timeout: 15_000 });
    expect(await failed.count()).toBe(0);
    const wa = new SimulatedWhatsApp(t.redis.redis, { prefix: `${t.config.prefix}:chatia:` });
    expect((await wa.sends({ connectionId: MISSING_CONNECTION })).map((s) => s.jid)).toEqual([
      "5511999990001@s.whatsapp.net",
    ]);
  });

  it("follows jobs run outside the editor: counts and latest change without a reload", {
    timeout: 60_000,
  }, async () => {
    const completed = page.locator('#chatia-jobs-counts span[data-state="completed"]');
    const before = Number(((await completed.textContent()) ?? "").replace(/\D+/g, ""));
    const job = await t.runtime.queues.enqueue("MessageQueue", "SendMessage", {
      whatsappId: MISSING_CONNECTION,
      data: { number: "5511999990003", body: "from a producer" },
    });
    await job.finished();
    await page
      .locator(`#chatia-jobs-latest li[data-job-id="${job.id}"][data-state="completed"]`)
      .waitFor({ timeout: 15_000 });
    await expect
      .poll(async () => Number(((await completed.textContent()) ?? "").replace(/\D+/g, "")), {
        timeout: 15_000,
      })
      .toBe(before + 1);
  });

  it("(e) refuses a payload its schema refuses, then test-runs the job and shows its path", {
    timeout: 90_000,
  }, async () => {
    const payload = page.locator("#chatia-jobs-payload");
    await payload.fill('{"whatsappId": "one", "data": {"body": "Oi"}}');
    await page.locator("#chatia-jobs-run").click();
    const errors = page.locator("#chatia-jobs-run-errors");
    await expect
      .poll(() => errors.locator("[data-code]").getAttribute("data-code"))
      .toBe("CF_JOB_BAD_PAYLOAD");
    const details = await errors.locator(".chatia-jobs-error-detail").allTextContents();
    expect(details.join("\n")).toMatch(/whatsappId/);
    expect(details.join("\n")).toMatch(/number/);
    await payload.fill("not json");
    await page.locator("#chatia-jobs-run").click();
    await expect(errors.textContent()).resolves.toMatch(/The payload is not JSON/);

    await payload.fill(
      JSON.stringify({ whatsappId: 1, data: { number: "5511999990002", body: "Teste do editor" } }),
    );
    await page.locator("#chatia-jobs-run").click();
    const trace = page.locator('#chatia-jobs-trace[data-outcome="completed"]');
    await trace.waitFor({ timeout: 30_000 });
    expect(await errors.textContent()).toBe("");
    const steps = trace.locator("li.chatia-jobs-step");
    await expect(
      steps.evaluateAll((items) => items.map((i) => i.getAttribute("data-node-id"))),
    ).resolves.toEqual([JOB_IN, SEND_NODE, JOB_OUT]);
    // The message at each node: the payload as typed at the entry and at the send, its result after.
    await expect(steps.nth(0).locator("pre").textContent()).resolves.toContain("Teste do editor");
    const atJobOut = JSON.parse((await steps.nth(2).locator("pre").textContent()) ?? "{}");
    expect(atJobOut.payload).toMatchObject({ messageId: expect.any(Number) });
    await steps.nth(1).locator(".chatia-jobs-node").click();
    await page.waitForFunction(
      (id) => Boolean((window as unknown as EditorWindow).RED.nodes.node(id)?.__flashTimer),
      SEND_NODE,
    );
    await page.screenshot({ path: path.join(shots(), "editor-jobs-tab-trace.png") });
    // Only test runs are traced: the retried job of (d) left no trace.
    const keys = await t.redis.redis.keys(`${t.config.prefix}:chatia:trace:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/:chatia:trace:MessageQueue:trace-/);
  });

  it("(e) shows the trace of a test run Bull removes once completed (removeOnComplete: true)", {
    timeout: 60_000,
  }, async () => {
    await page.locator("#red-ui-workspace-tabs li", { hasText: "verify-schedules" }).click();
    await expect
      .poll(() => page.locator("#chatia-jobs-head").textContent(), { timeout: 15_000 })
      .toContain("ScheduleMonitor / Verify");
    await page.locator("#chatia-jobs-payload").fill("{}");
    await page.locator("#chatia-jobs-run").click();
    const trace = page.locator('#chatia-jobs-trace[data-outcome="completed"]');
    await trace.waitFor({ timeout: 30_000 });
    const id = (await trace.getAttribute("data-job-id")) ?? "";
    expect(await t.runtime.queues.queue("ScheduleMonitor").bull.getJob(id)).toBeNull();
    await expect(
      trace
        .locator("li.chatia-jobs-step")
        .evaluateAll((items) => items.map((i) => i.getAttribute("data-node-id"))),
    ).resolves.toEqual(["5c4e0002", "5c4e0003", "5c4e0004", "5c4e0005"]);
  });
});

interface EditorWindow {
  RED: {
    sidebar: { show(id: string): void };
    nodes: { node(id: string): { __flashTimer?: unknown } | undefined };
  };
}
