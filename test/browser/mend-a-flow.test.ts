// A start with a flow the editor can mend, in a real browser, on a copy of the repository's
// jobs.yaml and flows/: the shipped send-message flow is disabled in its file (a state a deploy
// refuses, reached by editing the file by hand). The runtime starts anyway, editor included,
// holding MessageQueue/SendMessage; its jobs tab says why and refuses a test run; the operator
// enables the flow in its properties and deploys, and the job runs and sends.
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatedWhatsApp } from "../../runtime/adapters/whatsapp";
import { clinicInBrowser } from "../helpers/browser";
import { deployFromEditor, openEditor, showJobsTab } from "../helpers/editor";
import { projectFixture } from "../helpers/project";
import { startTestRuntime, type TestRuntime } from "../helpers/runtime";

let fixture: string;
let t: TestRuntime;
let browser: Browser;
let page: Page;
let whatsappId: number;
const sendMessage = () =>
  t.runtime
    .plan()
    .queues.find((q) => q.name === "MessageQueue")
    ?.jobs.find((j) => j.name === "SendMessage");

beforeAll(async () => {
  fixture = await projectFixture();
  const file = path.join(fixture, "flows/send-message.json");
  const nodes = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>[];
  const tab = nodes.find((n) => n.type === "tab");
  if (!tab) throw new Error("the shipped send-message flow has no tab");
  tab.disabled = true;
  await writeFile(file, JSON.stringify(nodes, null, 4));
  t = await startTestRuntime(fixture);
  ({ whatsappId, browser, page } = await clinicInBrowser(t));
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
  if (fixture) await rm(fixture, { recursive: true, force: true });
});

describe("a flow mended in the editor", () => {
  it("the runtime started, holding the job, and its jobs tab says why and refuses a run", {
    timeout: 90_000,
  }, async () => {
    expect(sendMessage()?.notHandled).toBe(true);
    expect(sendMessage()?.flowProblems?.join("\n")).toMatch(
      /flow file flows\/send-message\.json \(of MessageQueue\/SendMessage\) is disabled/,
    );
    await openEditor(page, t.runtime.url as string, t.config.admin.password);
    await page
      .locator("#red-ui-workspace-tabs a.red-ui-tab-label", { hasText: "send-message" })
      .click();
    await showJobsTab(page);
    const held = page.locator("#chatia-jobs-held");
    await held.waitFor({ timeout: 15_000 });
    await expect(held.textContent()).resolves.toMatch(
      /^Not running: .*send-message\.json.* is disabled.*Mend the flow and deploy: the job then runs\.$/,
    );
    await page
      .locator("#chatia-jobs-payload")
      .fill(JSON.stringify({ whatsappId, data: { number: "5511988887777", body: "Olá" } }));
    await page.locator("#chatia-jobs-run").click();
    await expect
      .poll(() => page.locator("#chatia-jobs-run-errors").textContent(), { timeout: 15_000 })
      .toMatch(
        /job MessageQueue\/SendMessage is not handled until these flow problems are mended: .*send-message\.json/,
      );
  });

  it("enabled in its properties and deployed, the flow runs the job", {
    timeout: 90_000,
  }, async () => {
    await page.locator("#red-ui-workspace-tabs li.red-ui-tab.active a.red-ui-tab-label").dblclick();
    await page.locator(".red-ui-tray-footer button", { hasText: "Disabled" }).click();
    await page.locator("#node-dialog-ok").click();
    await page.locator(".red-ui-tray").waitFor({ state: "detached" });
    expect(await deployFromEditor(page)).toMatch(/Successfully deployed/);
    await expect.poll(() => sendMessage()?.notHandled, { timeout: 30_000 }).toBeUndefined();
    expect(sendMessage()?.flowProblems).toBeUndefined();
    await expect.poll(() => page.locator("#chatia-jobs-held").count(), { timeout: 15_000 }).toBe(0);
    await page.locator("#chatia-jobs-run").click();
    const trace = page.locator("#chatia-jobs-trace[data-outcome]");
    await trace.waitFor({ timeout: 30_000 });
    expect(await trace.locator(".chatia-jobs-trace-summary").textContent()).toMatch(
      /: completed in/,
    );
    const sends = await new SimulatedWhatsApp(t.redis.redis, {
      prefix: `${t.config.prefix}:chatia:`,
    }).sends({ connectionId: whatsappId });
    expect(sends.map((s) => [s.jid, s.text])).toEqual([["5511988887777@s.whatsapp.net", "Olá"]]);
  });
});
