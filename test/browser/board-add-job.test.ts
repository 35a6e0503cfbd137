// A super-admin adds a job from Bull Board's page, in Debian's chromium, on the repository's own
// jobs.yaml: a payload its schema refuses is answered on the page with the reason and adds
// nothing; the corrected one is added with the manifest's retries, stamped with its company.
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "../helpers/browser";
import { repoFixture } from "../helpers/repo-fixture";
import { startTestRuntime, type TestRuntime } from "../helpers/runtime";
import { companyWithLogins } from "../helpers/users";

const PASSWORD = "board-add-password-2";
let t: TestRuntime;
let browser: Browser;
let page: Page;
let companyId: number;
let whatsappId: number;

beforeAll(async () => {
  t = await startTestRuntime(await repoFixture());
  ({ companyId, whatsappId } = await companyWithLogins(
    t.runtime,
    t.db.sequelize,
    "Painel",
    PASSWORD,
    { name: "Ana", email: "ana@painel.test" },
  ));
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/**
 * Opens the queue's Add job form (in the menu beside its tabs). A click that lands while the menu
 * or the last dialog is still animating can be lost on a loaded machine: try again, a few times.
 */
async function openAddJob(): Promise<void> {
  const form = page.locator("#add-job-form");
  const menu = page.getByRole("menu");
  for (let attempt = 1; ; attempt++) {
    // A menu still closing (from the last time) would take the click for itself.
    await menu.waitFor({ state: "detached" });
    await page.locator("button:has(svg.lucide-ellipsis-vertical)").first().click();
    await page.locator('[role="menu"][data-open]').waitFor();
    await page.getByRole("menuitem", { name: "Add job" }).click();
    try {
      await form.waitFor({ timeout: 10_000 });
      return;
    } catch (err) {
      if (attempt === 3) throw err;
      await page.keyboard.press("Escape");
    }
  }
}

/** Replaces the text of one of the form's JSON editors (CodeMirror): 0 data, 1 options. */
async function typeJson(index: number, value: unknown): Promise<void> {
  await page.locator("#add-job-form .cm-content").nth(index).click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText(JSON.stringify(value));
}

describe("Bull Board's Add job, as a super-admin", () => {
  it("shows why a payload is refused, adds nothing, then adds the corrected job", {
    timeout: 120_000,
  }, async () => {
    const url = t.runtime.url ?? "";
    await page.goto(`${url}/admin/login`);
    await page.locator("input[name=email]").fill("root@ops.test");
    await page.locator("input[name=password]").fill(PASSWORD);
    await page.locator("form button[type=submit]").click();
    await page.waitForURL(/\/admin\/queues/);
    await page.goto(`${url}/admin/queues/queue/MessageQueue`);
    await page.getByText("No latest jobs").waitFor({ timeout: 20_000 });
    await openAddJob();
    await page.locator("#job-name").fill("SendMessage");
    await typeJson(0, { whatsappId, data: { body: "sem número" } });
    await typeJson(1, { delay: 3_600_000 });
    await page.getByRole("button", { name: "Add", exact: true }).click();

    // Bull Board's notice: which field of its request, and the runtime's reason.
    const refusal = page.getByText(/CF_JOB_BAD_PAYLOAD/).first();
    await refusal.waitFor({ timeout: 15_000 });
    expect(await refusal.textContent()).toMatch(/payload\/data is missing "number"/);
    await page.getByText('The "data" field in the request body is not valid.').waitFor();
    const queue = t.runtime.queues.queue("MessageQueue").bull;
    expect(await queue.getJobCounts()).toMatchObject({ waiting: 0, delayed: 0 });
    await page.screenshot({ path: path.join(t.dir, "board-add-refused.png") });

    // The form closes on the answer; open it again, with the number.
    await page.locator("#add-job-form").waitFor({ state: "detached" });
    await openAddJob();
    await page.locator("#job-name").fill("SendMessage");
    await typeJson(0, { whatsappId, data: { number: "5511900000009", body: "Do painel" } });
    await typeJson(1, { delay: 3_600_000 });
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await expect.poll(() => queue.getDelayedCount(), { timeout: 15_000 }).toBe(1);
    const [job] = await queue.getDelayed();
    expect(job?.data).toMatchObject({ companyId, whatsappId });
    expect(job?.opts).toMatchObject({ attempts: 8, backoff: { type: "exponential" } });
  });
});
