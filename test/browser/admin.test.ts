// The admin surfaces in a real browser: without a login the editor, Bull Board and /metrics give
// nothing; a super-admin logs in to Bull Board and retries a failed job; the `job in` form shows
// its job's cron, limiter and retry policy from the manifest; no page breaks the CSP.
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../runtime/cli/commands/db";
import { launchBrowser } from "../helpers/browser";
import { testRows } from "../helpers/rows";
import { startTestRuntime, type TestRuntime } from "../helpers/runtime";

const PASSWORD = "root-password-123";
let t: TestRuntime;
let url: string;
let browser: Browser;
let failedJobId: string;
const cspViolations: string[] = [];

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(`${page.url()}: ${m.text()}`);
  });
  return { context, page };
}

beforeAll(async () => {
  t = await startTestRuntime(path.resolve(__dirname, "../fixtures/browser"));
  url = t.runtime.url ?? "";
  const rows = testRows(t.db.sequelize);
  const company = await rows.insert("Companies", { name: "Ops" });
  await rows.insert("Users", {
    name: "Root",
    email: "root@ops.test",
    passwordHash: await hashPassword(PASSWORD),
    profile: "admin",
    companyId: company.id,
    super: true,
  });
  const job = await t.runtime.queues.enqueue("FlakyQueue", "Flaky", {});
  await expect(job.finished()).rejects.toThrow(/first run fails/);
  failedJobId = String(job.id);
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe("without a login", () => {
  it("the editor, Bull Board and /metrics give nothing", async () => {
    const { context, page } = await newPage();
    // Bull Board sends a browser to the login form; its API answers 401.
    await page.goto(`${url}/admin/queues`);
    expect(new URL(page.url()).pathname).toBe("/admin/login");
    await expect(page.locator("form button[type=submit]").textContent()).resolves.toBe("Log in");
    expect((await page.request.get(`${url}/admin/queues/api/queues`)).status()).toBe(401);
    // The editor's page asks for a login; its admin API answers 401.
    await page.goto(`${url}/flows/`);
    await page.locator("#node-dialog-login-username").waitFor();
    expect(await page.locator("#red-ui-palette-header-chatia").count()).toBe(0);
    expect((await page.request.get(`${url}/flows/flows`)).status()).toBe(401);
    expect((await page.request.get(`${url}/flows/chatia/jobs`)).status()).toBe(401);
    // /metrics needs an admin's token.
    const metrics = await page.goto(`${url}/metrics`);
    expect(metrics?.status()).toBe(401);
    await expect(page.locator("body").textContent()).resolves.toContain("CF_AUTH_REQUIRED");
    await context.close();
  });
});

describe("Bull Board", () => {
  it("a super-admin logs in and retries a failed job, which then completes", {
    timeout: 90_000,
  }, async () => {
    const { context, page } = await newPage();
    await page.goto(`${url}/admin/login`);
    await page.locator("input[name=email]").fill("root@ops.test");
    await page.locator("input[name=password]").fill(PASSWORD);
    await page.locator("form button[type=submit]").click();
    await page.waitForURL(/\/admin\/queues/);
    await page.getByText("FlakyQueue").first().waitFor({ timeout: 20_000 });

    await page.goto(`${url}/admin/queues/queue/FlakyQueue?status=failed`);
    await page.getByText("first run fails").first().waitFor({ timeout: 20_000 });
    // The job card's retry action (an icon button; "Retry all" above it is another).
    await page.locator('[class^="jobActions"] button:has(svg.lucide-refresh-cw)').click();
    await page.getByText("Are you sure that you want to retry this job?").waitFor();
    await page.getByRole("button", { name: "Confirm" }).click();

    const queue = t.runtime.queues.queue("FlakyQueue").bull;
    await expect
      .poll(async () => (await queue.getJob(failedJobId))?.returnvalue, { timeout: 15_000 })
      .toBe("ok");
    await expect(queue.getJob(failedJobId).then((j) => j?.getState())).resolves.toBe("completed");
    await page.screenshot({ path: path.join(t.dir, "bull-board.png") });
    await context.close();
  });
});

describe("the job in form", () => {
  it("shows the job's cron, limiter and retry policy from the manifest", async () => {
    const { context, page } = await newPage();
    await page.goto(`${url}/flows/`);
    await page.locator("#node-dialog-login-username").fill(t.config.admin.username);
    await page.locator("#node-dialog-login-password").fill(t.config.admin.password);
    await page.locator("#node-dialog-login-submit").click();
    await page.locator("#red-ui-palette-header-chatia").waitFor({ timeout: 20_000 });
    await page.locator("#red-ui-workspace-tabs li", { hasText: "tick" }).click();
    await page.locator('g[id="b1000000000002"] rect.red-ui-flow-node').dblclick();
    const info = page.locator("#node-input-job-info");
    await expect.poll(() => info.textContent()).toMatch(/Trigger: cron/);
    const text = (await info.textContent()) ?? "";
    expect(text).toContain("Ticks every five minutes.");
    expect(text).toContain('Trigger: cron "*/5 * * * *" (America/Sao_Paulo)');
    expect(text).toContain("Rate limit: 2 per 1000 ms");
    expect(text).toMatch(/Retries: 3 attempt\(s\), backoff exponential 200 ms · timeout 4000 ms/);
    await page.screenshot({ path: path.join(t.dir, "job-in.png") });
    await context.close();
  });

  it("no page broke the Content Security Policy", () => {
    expect(cspViolations).toEqual([]);
  });
});
