// The Node-RED editor in a real browser: its login, the chatia palette, the `job in` form
// showing what the manifest says of its job, and nodes imported with old setting names.
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

  it("imports nodes saved with old setting names through the rename, with a notice", async () => {
    const old = [
      { id: "old00001", type: "find tickets", name: "idle open", status: "open", wires: [[]] },
      { id: "old00002", type: "update campaign", status: "CANCELADA", wires: [[], []] },
      { id: "old00003", type: "find tickets", name: "new", ticketStatus: "closed", wires: [[]] },
    ];
    // The job in form above is closed first; then Menu → Import, paste, Import, and a click
    // places the nodes.
    await page.locator("#node-dialog-cancel").click();
    await page.locator("#node-input-queue").waitFor({ state: "detached" });
    await page.evaluate(() =>
      (window as unknown as { RED: { actions: { invoke(a: string): void } } }).RED.actions.invoke(
        "core:show-import-dialog",
      ),
    );
    const text = page.locator("#red-ui-clipboard-dialog-import-text");
    await text.fill(JSON.stringify(old));
    await text.press("End");
    await page.locator("#red-ui-clipboard-dialog-ok").click();
    await page.mouse.click(700, 600);
    const imported = await page.evaluate(() => {
      const found: Record<string, unknown>[] = [];
      (
        window as unknown as {
          RED: { nodes: { eachNode(cb: (n: Record<string, unknown>) => void): void } };
        }
      ).RED.nodes.eachNode((n) => {
        if (n.type === "find tickets" || n.type === "update campaign")
          found.push({
            type: n.type,
            name: n.name,
            ticketStatus: n.ticketStatus,
            campaignStatus: n.campaignStatus,
          });
      });
      return JSON.parse(JSON.stringify(found));
    });
    expect(imported).toEqual([
      { type: "find tickets", name: "idle open", ticketStatus: "open" },
      { type: "update campaign", campaignStatus: "CANCELADA" },
      { type: "find tickets", name: "new", ticketStatus: "closed" },
    ]);
    const notice = page.locator(".red-ui-notification", { hasText: "old setting names" });
    await expect(notice.textContent()).resolves.toMatch(
      /idle open \(find tickets\): "status" renamed to "ticketStatus".*\(update campaign\): "status" renamed to "campaignStatus"/,
    );
  });
});
