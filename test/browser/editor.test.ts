// The Node-RED editor in a real browser: its login, the chatia palette, and the `job in` form
// showing what the manifest says of its job.
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "../helpers/browser";
import { startTestRuntime, type TestRuntime } from "../helpers/runtime";

let t: TestRuntime;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  t = await startTestRuntime(path.resolve(__dirname, "../fixtures/runtime/echo"));
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe("the Node-RED editor", () => {
  it("asks for a login, and refuses a wrong password", async () => {
    await page.goto(`${t.runtime.url}/flows/`);
    await page.locator("#node-dialog-login-username").fill("admin");
    await page.locator("#node-dialog-login-password").fill("wrong-password");
    await page.locator("#node-dialog-login-submit").click();
    await page.locator("#node-dialog-login-failed").waitFor({ state: "visible" });
  });

  it("logs in and shows the chatia palette with our nodes", async () => {
    await page.locator("#node-dialog-login-password").fill(t.config.admin.password);
    await page.locator("#node-dialog-login-submit").click();
    const category = page.locator("#red-ui-palette-header-chatia");
    await category.waitFor({ timeout: 20_000 });
    for (const type of ["job in", "job out", "send whatsapp"]) {
      await expect(
        page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).count(),
      ).resolves.toBe(1);
    }
  });

  it("opens a job in node's form with its queue, job and what the manifest says of it", async () => {
    // The echo flow's `job in` node (id e0000000000002 in the fixture), on the canvas.
    await page.locator('g[id="e0000000000002"] rect.red-ui-flow-node').dblclick();
    await page.locator("#node-input-queue").waitFor();
    await expect(page.locator("#node-input-queue").inputValue()).resolves.toBe("TestQueue");
    await expect(page.locator("#node-input-job").inputValue()).resolves.toBe("Echo");
    const info = page.locator("#node-input-job-info");
    await expect(info.textContent()).resolves.toMatch(/Trigger: enqueued/);
    await expect(info.textContent()).resolves.toMatch(
      /Retries: 2 attempt\(s\), backoff fixed 100 ms · timeout 5000 ms/,
    );
    await page.screenshot({ path: process.env.SCREENSHOT ?? path.join(t.dir, "editor.png") });
  });
});
