// The walkthrough of docs/add-a-job.md, step by step in a real browser, on a copy of the
// repository's jobs.yaml and flows/: an admin declares ReminderQueue/SendReminder with its payload
// schema; the operator creates its handler from the editor's jobs tab, sees the payload fields in
// the `job in` form, puts `render message` and `send whatsapp` between `job in` and `job out` (a
// msg field suggesting the payload fields), deploys, and runs it from the jobs tab and from
// the CLI (simulated WhatsApp driver); a wrong setting is refused at deploy naming its node; the
// tab is renamed (same file, same job); a deploy that deletes the flow is refused with what to do;
// the runtime restarts and the job runs from its editor. Each test is the doc's section of the same
// number. Screenshots: $SCREENSHOT_DIR (docs/img for the doc).
import { execFile } from "node:child_process";
import { appendFile, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatedWhatsApp } from "../../runtime/adapters/whatsapp";
import { PROJECT_ROOT } from "../../runtime/project-root";
import { clinicInBrowser } from "../helpers/browser";
import { deployFromEditor, openEditor, showJobsTab } from "../helpers/editor";
import { startProcess } from "../helpers/process";
import { projectFixture } from "../helpers/project";
import { startTestRuntime, type TestRuntime } from "../helpers/runtime";

/** Step 1 of the walkthrough, as the doc shows it. */
const DECLARATION = `
  ReminderQueue:
    description: Appointment reminders.
    jobs:
      SendReminder:
        description: Remind {name} at {phone} of an appointment, through connection whatsappId.
        flow: send-reminder
        payload: schemas/payloads/send-reminder.json
        attempts: 3
        backoff: { type: exponential, delay: 2000 }
`;
/** The label step 9 gives the handler's tab. */
const RENAMED = "Appointment reminders";
const SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  required: ["whatsappId", "companyId", "phone", "name"],
  properties: {
    whatsappId: { type: "integer", minimum: 1 },
    companyId: { type: "integer", minimum: 1 },
    phone: { type: "string", pattern: "^[0-9]{10,15}$" },
    name: { type: "string", minLength: 1 },
  },
  additionalProperties: false,
};

interface EditorWindow {
  RED: {
    sidebar: { show(id: string): void };
    workspaces: { active(): string; delete(ws: unknown): void };
    nodes: {
      id(): string;
      workspace(id: string): { label: string } | null;
      filterNodes(f: { z?: string; type?: string }): { id: string; type: string }[];
      filterLinks(f: { source: unknown }): unknown[];
      removeLink(l: unknown): void;
      addLink(l: unknown): void;
      node(id: string): unknown;
      dirty(d: boolean): void;
    };
    view: { importNodes(n: unknown[], o: unknown): void; redraw(full?: boolean): void };
  };
}

let fixture: string;
let t: TestRuntime;
let browser: Browser;
let page: Page;
let companyId: number;
let whatsappId: number;
const shots = () => process.env.SCREENSHOT_DIR ?? t.dir;
const sends = () =>
  new SimulatedWhatsApp(t.redis.redis, { prefix: `${t.config.prefix}:chatia:` }).sends({
    connectionId: whatsappId,
  });
const handled = () =>
  t.runtime
    .plan()
    .queues.find((q) => q.name === "ReminderQueue")
    ?.jobs.find((j) => j.name === "SendReminder");

/** `node bin/chatia-flow.js enqueue … --wait`, as the doc shows it; resolves to its output. */
async function enqueueWithCli(payload: unknown): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      path.join(PROJECT_ROOT, "bin/chatia-flow.js"),
      "enqueue",
      "ReminderQueue",
      "SendReminder",
      JSON.stringify(payload),
      "--manifest",
      path.join(t.dir, "jobs.yaml"),
      "--redis-url",
      t.config.redisUrl,
      "--prefix",
      t.config.prefix,
      "--wait",
    ],
    { env: { ...process.env, NO_COLOR: "1" } },
  );
  return stdout;
}

/** Opens a node's edit form, as a double-click on it does. */
async function openNode(id: string): Promise<void> {
  await page.evaluate((nodeId) => {
    const red = (window as unknown as { RED: { view: { reveal(id: string): void } } }).RED;
    red.view.reveal(nodeId);
  }, id);
  await page.locator(`g[id="${id}"] rect.red-ui-flow-node`).dblclick();
  await page.locator("#node-input-name").waitFor();
}

/** A test run from the jobs tab of the flow on screen, which must complete, through the whole flow. */
async function runFromJobsTab(payload: unknown): Promise<void> {
  await page.locator("#chatia-jobs-run-form").waitFor({ state: "visible", timeout: 15_000 });
  await page.locator("#chatia-jobs-payload").fill(JSON.stringify(payload));
  const before = await page.locator("#chatia-jobs-trace").getAttribute("data-job-id");
  await page.locator("#chatia-jobs-run").click();
  // The trace of this run: another job's id than the one shown before.
  const trace = page.locator("#chatia-jobs-trace[data-outcome]");
  await expect
    .poll(
      async () => ((await trace.count()) > 0 ? await trace.getAttribute("data-job-id") : before),
      {
        timeout: 30_000,
      },
    )
    .not.toBe(before);
  expect(await trace.locator(".chatia-jobs-trace-summary").textContent()).toMatch(/: completed in/);
  await expect(
    trace.locator("li.chatia-jobs-step").evaluateAll((li) => li.map((i) => i.dataset.type)),
  ).resolves.toEqual(["job in", "render message", "send whatsapp", "job out"]);
}

/**
 * Types `text` into a field with suggestions until they show: keys typed while the form is still
 * opening may go before its suggestions are listening.
 */
async function typeUntilSuggested(field: Locator, text: string, menu: Locator): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    // The text at once, then one key (End) for the field to look it up: one search, no race
    // between the answers to each letter.
    await field.fill(text);
    await field.press("End");
    try {
      await menu.waitFor({ state: "visible", timeout: 5_000 });
      return;
    } catch (err) {
      if (attempt === 4) throw err;
    }
  }
}

beforeAll(async () => {
  fixture = await projectFixture();
  await appendFile(path.join(fixture, "jobs.yaml"), DECLARATION);
  await writeFile(
    path.join(fixture, "schemas/payloads/send-reminder.json"),
    `${JSON.stringify(SCHEMA, null, 2)}\n`,
  );
  t = await startTestRuntime(fixture);
  ({ companyId, whatsappId, browser, page } = await clinicInBrowser(t));
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
  if (fixture) await rm(fixture, { recursive: true, force: true });
});

describe("add a job in ten minutes", () => {
  it("1. the job is declared, not handled: accepted, and the jobs tab offers to create its handler", {
    timeout: 60_000,
  }, async () => {
    expect(handled()?.notHandled).toBe(true);
    await openEditor(page, t.runtime.url as string, t.config.admin.password);
    await showJobsTab(page);
    const offer = page.locator('[data-declared="ReminderQueue/SendReminder"]');
    await offer.waitFor({ timeout: 15_000 });
    await expect(offer.textContent()).resolves.toContain("flows/send-reminder.json");
    await page.screenshot({ path: path.join(shots(), "add-a-job-1-declared.png") });
  });

  it("2. one click creates its flow: job in for the job, wired to job out, labelled send-reminder", async () => {
    await page.locator('[data-declared="ReminderQueue/SendReminder"] .chatia-jobs-create').click();
    const flow = await page.evaluate(() => {
      const { RED } = window as unknown as EditorWindow;
      const z = RED.workspaces.active();
      const nodes = RED.nodes.filterNodes({ z });
      return {
        label: RED.nodes.workspace(z)?.label,
        nodes: nodes.map((n) => {
          const { type, queue, job, mode, property } = n as Record<string, unknown>;
          return { type, queue, job, mode, property };
        }),
      };
    });
    expect(flow.label).toBe("send-reminder");
    const jobIn = flow.nodes.find((n) => n.type === "job in");
    const jobOut = flow.nodes.find((n) => n.type === "job out");
    expect(jobIn).toMatchObject({ queue: "ReminderQueue", job: "SendReminder" });
    expect(jobOut).toMatchObject({ mode: "complete", property: "payload" });
    await expect
      .poll(() => page.locator('[data-declared="ReminderQueue/SendReminder"]').count())
      .toBe(0);
  });

  it("3. the job in form lists the job's payload fields from its schema", {
    timeout: 60_000,
  }, async () => {
    const ids = await page.evaluate(() => {
      const { RED } = window as unknown as EditorWindow;
      const z = RED.workspaces.active();
      const first = (type: string) => RED.nodes.filterNodes({ z, type })[0]?.id ?? "";
      return { jobIn: first("job in") };
    });
    await openNode(ids.jobIn);
    await expect
      .poll(() => page.locator("#node-input-job-info").textContent(), { timeout: 15_000 })
      .toContain("msg.payload.phone: string, required");
    // Filled from the runtime's list, the queue and job fields are valid.
    await expect.poll(() => page.locator(".input-error").count()).toBe(0);
    await page.screenshot({ path: path.join(shots(), "add-a-job-5-payload-fields.png") });
    await page.locator("#node-dialog-cancel").click();
    await page.locator(".red-ui-tray").waitFor({ state: "detached" });
  });

  it("4. render message and send whatsapp go in between; a msg field suggests the payload fields", {
    timeout: 60_000,
  }, async () => {
    // What the doc tells the operator to drag from the palette and fill in.
    await page.evaluate(() => {
      const { RED } = window as unknown as EditorWindow;
      const z = RED.workspaces.active();
      const jobIn = RED.nodes.filterNodes({ z, type: "job in" })[0];
      const jobOut = RED.nodes.filterNodes({ z, type: "job out" })[0];
      if (!jobIn || !jobOut) throw new Error("the created flow is not on screen");
      for (const link of RED.nodes.filterLinks({ source: jobIn })) RED.nodes.removeLink(link);
      const render = RED.nodes.id();
      const send = RED.nodes.id();
      RED.view.importNodes(
        [
          {
            id: render,
            type: "render message",
            z,
            name: "reminder text",
            mode: "ticket",
            mark: false,
            output: "text",
            template: "Olá {{name}}, lembrete da sua consulta amanhã.",
            templateType: "str",
            x: 380,
            y: 100,
            wires: [[send]],
          },
          {
            id: send,
            type: "send whatsapp",
            z,
            name: "send the reminder",
            to: "payload.phone",
            toType: "msg",
            text: "text",
            textType: "msg",
            company: "payload.companyId",
            companyType: "msg",
            x: 580,
            y: 100,
            wires: [[]],
          },
        ],
        {
          addFlow: false,
          touchImport: true,
          generateIds: false,
          notify: false,
          applyNodeDefaults: true,
        },
      );
      // Wires to nodes outside the import are dropped by Node-RED: linked here, as a drag would.
      RED.nodes.addLink({ source: jobIn, sourcePort: 0, target: RED.nodes.node(render) });
      RED.nodes.addLink({ source: RED.nodes.node(send), sourcePort: 0, target: jobOut });
      RED.view.redraw(true);
      RED.nodes.dirty(true);
    });
    await page.screenshot({ path: path.join(shots(), "add-a-job-2-flow.png") });
    // In send whatsapp's form, the To field suggests the job's payload fields as the operator types.
    const sendId = await page.evaluate(() => {
      const { RED } = window as unknown as EditorWindow;
      return RED.nodes.filterNodes({ z: RED.workspaces.active(), type: "send whatsapp" })[0]?.id;
    });
    await openNode(sendId ?? "");
    let done = false;
    try {
      // The To field, as the operator types in it (the typed input's visible text box).
      const to = page.locator(".form-row:has(#node-input-to) input.red-ui-typedInput-input");
      const menu = page.locator(".red-ui-autoComplete-container");
      await page
        .locator(".form-row:has(#node-input-to) input.red-ui-typedInput-input.red-ui-autoComplete")
        .waitFor();
      await typeUntilSuggested(to, "ph", menu);
      await expect
        .poll(() => menu.locator(".chatia-payload-field").allTextContents(), { timeout: 10_000 })
        .toEqual([
          expect.stringMatching(
            /^payload\.phone\s*string, required · ReminderQueue\/SendReminder$/,
          ),
        ]);
      await page.screenshot({ path: path.join(shots(), "add-a-job-6-suggestions.png") });
      // With nothing typed, every field of the schema is offered.
      await to.fill("");
      await to.press("Backspace");
      await to.press("ArrowDown");
      await expect
        .poll(() => menu.locator(".red-ui-autoComplete-completion").allTextContents(), {
          timeout: 10_000,
        })
        .toEqual(["payload.whatsappId", "payload.companyId", "payload.phone", "payload.name"]);
      await to.fill("phone");
      await to.press("End");
      await expect
        .poll(() => menu.locator(".chatia-payload-field").count(), { timeout: 10_000 })
        .toBe(1);
      await to.press("Enter");
      await expect(to.inputValue()).resolves.toBe("payload.phone");
      await page.locator("#node-dialog-ok").click();
      done = true;
    } finally {
      // Closed either way, so that a failure here does not leave the next steps behind a form.
      if (!done) await page.locator("#node-dialog-cancel").click();
    }
    await page.locator(".red-ui-tray").waitFor({ state: "detached" });
  });

  it("5. it deploys, and the job is handled", { timeout: 60_000 }, async () => {
    expect(await deployFromEditor(page)).toMatch(/Successfully deployed/);
    const file = JSON.parse(await readFile(path.join(t.dir, "flows/send-reminder.json"), "utf8"));
    expect(file.map((n: { type: string }) => n.type)).toEqual([
      "tab",
      "job in",
      "job out",
      "render message",
      "send whatsapp",
    ]);
    await expect.poll(() => handled()?.notHandled, { timeout: 20_000 }).toBeUndefined();
  });

  it("6. a test run from the jobs tab sends the reminder and shows its path", {
    timeout: 60_000,
  }, async () => {
    await page.locator("#chatia-jobs-run-form").waitFor({ state: "visible" });
    await page
      .locator("#chatia-jobs-payload")
      .fill(JSON.stringify({ whatsappId, companyId, phone: "5511988887777", name: "Ana Souza" }));
    await page.locator("#chatia-jobs-run").click();
    const trace = page.locator("#chatia-jobs-trace[data-outcome]");
    await trace.waitFor({ timeout: 30_000 });
    expect(await trace.locator(".chatia-jobs-trace-summary").textContent()).toMatch(
      /: completed in/,
    );
    await expect(
      trace.locator("li.chatia-jobs-step").evaluateAll((li) => li.map((i) => i.dataset.type)),
    ).resolves.toEqual(["job in", "render message", "send whatsapp", "job out"]);
    await page.screenshot({ path: path.join(shots(), "add-a-job-3-run.png") });
    expect((await sends()).map((s) => [s.jid, s.text])).toEqual([
      ["5511988887777@s.whatsapp.net", "Olá Ana Souza, lembrete da sua consulta amanhã."],
    ]);
  });

  it("7. the CLI enqueues it too, and the send goes out", { timeout: 60_000 }, async () => {
    const payload = { whatsappId, companyId, phone: "5511977776666", name: "Bruno" };
    const stdout = await enqueueWithCli(payload);
    expect(stdout).toMatch(/completed/);
    await expect
      .poll(async () => (await sends()).map((s) => s.text))
      .toContain("Olá Bruno, lembrete da sua consulta amanhã.");
  });

  it("8. a setting typed wrong is refused at deploy, the notice naming the node, which it shows", {
    timeout: 60_000,
  }, async () => {
    const sendId = await page.evaluate(() => {
      const { RED } = window as unknown as EditorWindow;
      const z = RED.workspaces.active();
      const send = RED.nodes.filterNodes({ z, type: "send whatsapp" })[0] as
        | { id: string; connection: string; connectionType: string; changed: boolean }
        | undefined;
      if (!send) throw new Error("no send whatsapp node");
      Object.assign(send, { connection: "main", connectionType: "num", changed: true });
      RED.nodes.dirty(true);
      return send.id;
    });
    const notice = await deployFromEditor(page);
    expect(notice).toMatch(/Deploy refused/);
    expect(notice).toMatch(/flow send-reminder, node 'send the reminder' .*setting 'connection'/);
    const item = page.locator(`.chatia-deploy-refused-node[data-node-id="${sendId}"]`);
    await expect(item.count()).resolves.toBe(1);
    await item.click();
    await page.waitForFunction(
      (id) =>
        Boolean(
          (
            window as unknown as {
              RED: { nodes: { node(id: string): { __flashTimer?: unknown } } };
            }
          ).RED.nodes.node(id)?.__flashTimer,
        ),
      sendId,
    );
    await page.evaluate((id) => {
      const { RED } = window as unknown as EditorWindow;
      Object.assign(RED.nodes.node(id) as object, {
        connection: "payload.whatsappId",
        connectionType: "msg",
      });
    }, sendId);
    expect(await deployFromEditor(page)).toMatch(/Successfully deployed/);
  });

  it("9. renaming the tab changes its label only: same file, same job, jobs.yaml untouched", {
    timeout: 60_000,
  }, async () => {
    const manifestBefore = await readFile(path.join(t.dir, "jobs.yaml"), "utf8");
    const filesBefore = (await readdir(path.join(t.dir, "flows"))).sort();
    // Double-click the tab, change its name in the flow's properties, Done, Deploy.
    await page.locator("#red-ui-workspace-tabs li.red-ui-tab.active a.red-ui-tab-label").dblclick();
    await page.locator(".red-ui-tray #node-input-name").fill(RENAMED);
    await page.screenshot({ path: path.join(shots(), "add-a-job-7-renamed.png") });
    await page.locator("#node-dialog-ok").click();
    await page.locator(".red-ui-tray").waitFor({ state: "detached" });
    await expect(
      page.locator("#red-ui-workspace-tabs li.red-ui-tab.active .red-ui-tab-label").textContent(),
    ).resolves.toContain(RENAMED);
    expect(await deployFromEditor(page)).toMatch(/Successfully deployed/);
    const file = JSON.parse(await readFile(path.join(t.dir, "flows/send-reminder.json"), "utf8"));
    expect(file[0]).toMatchObject({
      type: "tab",
      label: RENAMED,
      env: [{ name: "CHATIA_FLOW_ID", type: "str", value: "send-reminder" }],
    });
    expect((await readdir(path.join(t.dir, "flows"))).sort()).toEqual(filesBefore);
    expect(await readFile(path.join(t.dir, "jobs.yaml"), "utf8")).toBe(manifestBefore);
    expect(handled()).toMatchObject({ flow: "send-reminder" });
    expect(handled()?.notHandled).toBeUndefined();
    // The renamed flow still runs the job, from the jobs tab.
    await runFromJobsTab({ whatsappId, companyId, phone: "5511955554444", name: "Davi" });
    expect((await sends()).map((s) => s.text)).toContain(
      "Olá Davi, lembrete da sua consulta amanhã.",
    );
  });

  it("10. deleting the flow is refused at deploy, saying what to do", {
    timeout: 60_000,
  }, async () => {
    // The flow's properties (double-click its tab), Delete, then Deploy.
    await page.locator("#red-ui-workspace-tabs li.red-ui-tab.active a.red-ui-tab-label").dblclick();
    await page.locator("#node-dialog-delete").click();
    await page.locator(".red-ui-tray").waitFor({ state: "detached" });
    const notice = await deployFromEditor(page);
    expect(notice).toMatch(/Deploy refused/);
    expect(notice).toMatch(
      /removes flow send-reminder, which handles ReminderQueue\/SendReminder; keep the flow, or remove or disable the job in jobs.yaml first/,
    );
    await page.screenshot({ path: path.join(shots(), "add-a-job-4-delete-refused.png") });
    await expect(readFile(path.join(t.dir, "flows/send-reminder.json"), "utf8")).resolves.toMatch(
      /SendReminder/,
    );
  });

  it("11. after a restart (the runtime started as an operator would) the job runs from the editor", {
    timeout: 180_000,
  }, async () => {
    await t.stopRuntime();
    const proc = startProcess(["start", "--port", "0"], {
      DATABASE_URL: t.config.databaseUrl,
      REDIS_URL: t.config.redisUrl,
      REDIS_PREFIX: t.config.prefix,
      CHATIA_MANIFEST: t.config.manifestFile,
      CHATIA_FLOWS_DIR: t.config.flowsDir,
      CHATIA_DATA_DIR: t.config.userDir,
      CHATIA_ADMIN_PASSWORD: t.config.admin.password,
      NODE_RED_CREDENTIAL_SECRET: t.config.credentialSecret,
      CHATIA_JWT_SECRET: t.config.jwtSecret,
      CHATIA_WHATSAPP_DRIVER: "simulated",
    });
    try {
      const [, url] = await proc.waitFor(/chatia-flow all running at (http:\/\/\S+)/, 90_000);
      expect(proc.output()).not.toMatch(/CF_JOB_NOT_HANDLED|CF_FLOW_INVALID/);
      // The editor of the restarted runtime: the renamed tab is there, and runs the job.
      await openEditor(page, url ?? "", t.config.admin.password);
      await page.locator("#red-ui-workspace-tabs a.red-ui-tab-label", { hasText: RENAMED }).click();
      await showJobsTab(page);
      await runFromJobsTab({ whatsappId, companyId, phone: "5511966665555", name: "Carla" });
      expect((await sends()).map((s) => s.text)).toContain(
        "Olá Carla, lembrete da sua consulta amanhã.",
      );
      // And from the CLI.
      const payload = { whatsappId, companyId, phone: "5511944443333", name: "Elis" };
      expect(await enqueueWithCli(payload)).toMatch(/completed/);
    } finally {
      proc.child.kill("SIGTERM");
      await proc.exited();
    }
  });
});
