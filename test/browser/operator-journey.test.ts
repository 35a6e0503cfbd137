// The operator's round trip in a real browser, on the repository's own jobs.yaml and flows/ (copied
// into a git repository of their own) after every cron job has run, so the editor shows the nodes'
// live status badges: a full deploy with no change writes nothing and breaks no job; renaming one
// node changes that node's line in one file; an invalid setting typed in a form is refused at
// deploy with a readable message, and nothing is written, restarted or published.
import { execFileSync } from "node:child_process";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NODE_DECLARATIONS } from "../../nodes/node-settings";
import { isReservedName, settingNames } from "../../nodes/shared/define-node";
import { readFlowDir, toNodeRedFlows } from "../../runtime/adapters/node-red/flow-files";
import type { NodeRedNode } from "../../runtime/adapters/node-red/flow-format";
import { nodeBox, nodeLabel } from "../../runtime/adapters/node-red/flow-layout";
import { listNodePorts } from "../../runtime/adapters/node-red/node-types";
import { PROJECT_ROOT } from "../../runtime/project-root";
import { launchBrowser } from "../helpers/browser";
import { deployFromEditor } from "../helpers/editor";
import { startTestRuntime, type TestRuntime } from "../helpers/runtime";

let t: TestRuntime;
let browser: Browser;
let page: Page;
let fixture: string;
const pageErrors: string[] = [];

const git = (...args: string[]) =>
  execFileSync("git", ["-c", "user.name=ci", "-c", "user.email=ci@example.test", ...args], {
    cwd: t.dir,
    encoding: "utf8",
  });

/** Runs every enabled cron job once, as its trigger would; resolves to each job's outcome. */
async function runCronJobs(): Promise<Record<string, string>> {
  const outcomes: Record<string, string> = {};
  for (const queue of t.runtime.plan().queues) {
    for (const job of queue.jobs.filter((j) => j.enabled && j.repeat))
      outcomes[job.key] = await runJob(queue.name, job.name, job.data ?? {});
  }
  return outcomes;
}

/**
 * Enqueues one job and resolves to "completed" or "failed: …" from the queue's own events, heard
 * from before the job is added (these jobs are removed once complete, so job.finished() could miss it).
 */
function runJob(queueName: string, name: string, data: unknown): Promise<string> {
  const queue = t.runtime.queues.queue(queueName).bull;
  const heard = new Map<string, string>();
  let id: string | undefined;
  return new Promise((resolve, reject) => {
    const settle = (jobId: string, outcome: string) => {
      if (id === undefined) heard.set(jobId, outcome);
      else if (jobId === id) finish(outcome);
    };
    const onCompleted = (job: { id: unknown }) => settle(String(job.id), "completed");
    const onFailed = (job: { id: unknown }, err: Error) =>
      settle(String(job.id), `failed: ${err.message}`);
    const finish = (outcome: string) => {
      queue.off("completed", onCompleted);
      queue.off("failed", onFailed);
      resolve(outcome);
    };
    queue.on("completed", onCompleted);
    queue.on("failed", onFailed);
    t.runtime.queues.enqueue(queueName, name, data).then((job) => {
      id = String(job.id);
      const early = heard.get(id);
      if (early !== undefined) finish(early);
    }, reject);
  });
}

async function publishedRevision(): Promise<string | null> {
  return t.redis.redis.hget(`${t.config.prefix}:chatia:flows`, "rev");
}

/** Clicks Deploy as an operator sure of their change would; returns the notice's text. */
function deploy(): Promise<string> {
  return deployFromEditor(page);
}

async function openNode(id: string): Promise<void> {
  await page.evaluate((nodeId) => {
    const red = (window as unknown as { RED: { view: { reveal(id: string): void } } }).RED;
    red.view.reveal(nodeId);
  }, id);
  await page.locator(`g[id="${id}"] rect.red-ui-flow-node`).dblclick();
  await page.locator("#node-input-name").waitFor();
}

beforeAll(async () => {
  fixture = await mkdtemp(path.join(tmpdir(), "chatia-journey-"));
  for (const entry of ["jobs.yaml", "flows", "schemas"])
    await cp(path.join(PROJECT_ROOT, entry), path.join(fixture, entry), { recursive: true });
  t = await startTestRuntime(fixture);
  git("init", "-q");
  await writeFile(path.join(t.dir, ".gitignore"), ".node-red/\n*.png\n");
  git("add", ".gitignore", "jobs.yaml", "flows", "schemas");
  git("commit", "-q", "-m", "shipped flows");
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.on("pageerror", (err) => pageErrors.push(err.message));
  await page.goto(`${t.runtime.url}/flows/`);
  await page.locator("#node-dialog-login-username").fill("admin");
  await page.locator("#node-dialog-login-password").fill(t.config.admin.password);
  await page.locator("#node-dialog-login-submit").click();
  await page.locator("#red-ui-palette-header-chatia").waitFor({ timeout: 30_000 });
  // The crons run with the editor open: their nodes' status badges reach it live.
  expect(Object.values(await runCronJobs())).not.toContain(expect.stringMatching(/^failed/));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
  if (fixture) await rm(fixture, { recursive: true, force: true });
});

describe("the operator's round trip in the editor", () => {
  it("a full deploy with no change, with the nodes' status badges on screen, writes nothing and every job still succeeds", async () => {
    // The badges the crons left (e.g. "3 found") are what the editor used to save into `status`.
    await page
      .locator(".red-ui-flow-node-status-label", { hasText: /found|updated/ })
      .first()
      .waitFor({ timeout: 20_000 });
    const revision = await publishedRevision();
    await page.evaluate(() => {
      (window as unknown as { RED: { nodes: { dirty(v: boolean): void } } }).RED.nodes.dirty(true);
    });
    expect(await deploy()).toMatch(/Successfully deployed/);
    expect(git("status", "--porcelain", "flows/")).toBe("");
    expect(await publishedRevision()).toBe(revision);
    const outcomes = await runCronJobs();
    expect(Object.keys(outcomes).length).toBeGreaterThanOrEqual(8);
    for (const [job, outcome] of Object.entries(outcomes)) expect(outcome, job).toBe("completed");
  });

  it("renaming one node changes one file by a few lines", async () => {
    await openNode("c10e0003");
    await page.locator("#node-input-name").fill("open tickets idle past expiresTicket");
    await page.locator("#node-dialog-ok").click();
    expect(await deploy()).toMatch(/Successfully deployed/);
    // One file; the node's name, and its x (the editor keeps a growing node's left edge in place).
    expect(git("diff", "--name-only", "flows/").trim()).toBe("flows/close-inactive-tickets.json");
    const lines = git("diff", "-U0", "flows/")
      .split("\n")
      .filter((l) => /^[+-] /.test(l));
    expect(lines).toEqual([
      '-        "name": "open, idle > expiresTicket",',
      '+        "name": "open tickets idle past expiresTicket",',
      expect.stringMatching(/^- {8}"x": \d+,$/),
      expect.stringMatching(/^\+ {8}"x": \d+,$/),
    ]);
    git("commit", "-q", "-am", "rename a node");
  });

  it("an invalid setting typed in a form is refused at deploy with its message, and nothing changes", async () => {
    const revision = await publishedRevision();
    await openNode("c10e0003");
    await page.locator("#node-input-connection").fill("the first one");
    await page.locator("#node-dialog-ok").click();
    const notice = await deploy();
    expect(notice).toContain(
      "Deploy refused: nothing was saved and the running flows are unchanged.",
    );
    expect(notice).toContain(
      "flow close-inactive-tickets, node 'open tickets idle past expiresTicket' (c10e0003, find tickets): setting 'connection' must be empty or a whole number of at least 1, got \"the first one\"",
    );
    expect(notice).not.toContain('{"code"');
    // The screenshot (docs/editor-deploy-refused.png) once the earlier deploys' notices are gone.
    await page.waitForFunction(
      () =>
        !Array.from(document.querySelectorAll(".red-ui-notification")).some((n) =>
          n.textContent?.includes("Successfully deployed"),
        ),
      undefined,
      { timeout: 15_000 },
    );
    await page.screenshot({
      path: process.env.SCREENSHOT ?? path.join(t.dir, "deploy-refused.png"),
    });
    // The notice stays while the operator works through it: a click on a problem shows its node
    // (which flashes) and leaves the notice open; its Close button closes it.
    const refused = page.locator(".red-ui-notification", { hasText: "Deploy refused" }).last();
    await refused.locator('.chatia-deploy-refused-node[data-node-id="c10e0003"]').click();
    await page.waitForFunction(() =>
      Boolean(
        (
          window as unknown as {
            RED: { nodes: { node(id: string): { __flashTimer?: unknown } | null } };
          }
        ).RED.nodes.node("c10e0003")?.__flashTimer,
      ),
    );
    expect(
      await refused.evaluate((n) => (n as HTMLElement & { closed?: boolean }).closed),
    ).not.toBe(true);
    await refused.locator("button.chatia-deploy-refused-close").click();
    await refused.waitFor({ state: "detached" });
    expect(git("status", "--porcelain", "flows/", "jobs.yaml")).toBe("");
    expect(await publishedRevision()).toBe(revision);
    // The running flow kept its settings: its job still runs.
    expect(await runJob("TicketMonitor", "CloseInactiveTickets", {})).toBe("completed");
  });

  it("opens the form of every chatia node type the shipped flows use, each valid as shipped", async () => {
    const firstOfType = await page.evaluate(() => {
      const red = (
        window as unknown as {
          RED: {
            nodes: {
              eachNode(
                cb: (n: { id: string; type: string; valid?: boolean; changed?: boolean }) => void,
              ): void;
            };
          };
          chatiaNodes: Record<string, unknown>;
        }
      ).RED;
      const types = (window as unknown as { chatiaNodes: Record<string, unknown> }).chatiaNodes;
      const first = new Map<string, { id: string; valid?: boolean }>();
      red.nodes.eachNode((n) => {
        // Nodes edited but not deployed (the refused change above) are left out.
        if (n.type in types && !n.changed && !first.has(n.type)) first.set(n.type, n);
      });
      return [...first].map(([type, n]) => ({ type, id: n.id, valid: n.valid }));
    });
    expect(firstOfType.length).toBeGreaterThanOrEqual(20);
    for (const { type, id, valid } of firstOfType) {
      expect(valid, type).toBe(true);
      await openNode(id);
      await page.locator("#node-dialog-cancel").click();
      await page.locator("#node-input-name").waitFor({ state: "detached" });
    }
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it("keeps on chatia nodes, beyond their declared settings, only names no setting may take", async () => {
    // The crons' badges are on screen (status, dirtyStatus); a revealed node flashes (highlighted,
    // __flashTimer); the forms above were opened and closed (validation state).
    type Red = {
      view: { reveal(id: string): void };
      nodes: { node(id: string): Record<string, unknown> | null };
    };
    await page.evaluate(() => (window as unknown as { RED: Red }).RED.view.reveal("c10e0004"));
    // The flash starts once the view has scrolled to the node.
    await page.waitForFunction(
      () => "highlighted" in ((window as unknown as { RED: Red }).RED.nodes.node("c10e0004") ?? {}),
    );
    const seen = await page.evaluate(() => {
      type EditorNode = Record<string, unknown> & { type: string; _def: { defaults: object } };
      const win = window as unknown as {
        RED: { nodes: { eachNode(cb: (n: EditorNode) => void): void } };
        chatiaNodes: Record<string, unknown>;
      };
      const defaults: Record<string, string[]> = {};
      const extras = new Set<string>();
      win.RED.nodes.eachNode((n) => {
        if (!(n.type in win.chatiaNodes)) return;
        const declared = Object.keys(n._def.defaults);
        defaults[n.type] = declared;
        for (const key of Object.keys(n)) if (!declared.includes(key)) extras.add(key);
      });
      return { defaults, extras: [...extras].sort() };
    });
    // Each type's editor defaults are its declaration's settings, no more.
    for (const [type, keys] of Object.entries(seen.defaults)) {
      const declaration = NODE_DECLARATIONS.get(type);
      expect(declaration, type).toBeDefined();
      if (declaration) expect(keys.sort(), type).toEqual(settingNames(declaration).sort());
    }
    expect(seen.extras).toEqual(expect.arrayContaining(["status", "highlighted", "x", "z"]));
    expect(seen.extras.filter((key) => !isReservedName(key))).toEqual([]);
  });

  it("draws every shipped node, and one unwired node of each chatia type, within the box the layout test computes for it, no badge running into another node", async () => {
    const ports = await listNodePorts([path.join(PROJECT_ROOT, "nodes")]);
    const saved = toNodeRedFlows(await readFlowDir(path.join(t.dir, "flows")));
    // One node of each chatia type on a scratch tab (not deployed), no port wired: a saved file
    // leaves out unwired ports, the editor draws them all.
    const types = [...NODE_DECLARATIONS.keys()];
    const scratch: NodeRedNode[] = [
      { id: "layout0", type: "tab", label: "layout check" },
      ...types.map((type, i) => ({
        id: `layout${i + 1}`,
        type,
        z: "layout0",
        name: type,
        x: 300,
        y: 60 + i * 80,
        wires: [],
      })),
    ];
    await page.evaluate((nodes) => {
      const red = (window as unknown as { RED: { nodes: { import(n: unknown): void } } }).RED;
      red.nodes.import(nodes);
    }, scratch);
    const shown = [...saved, ...scratch];
    type Rect = { l: number; r: number; t: number; b: number };
    type Drawn = { id: string; w?: number; h?: number; label: string | null };
    const crossed: string[] = [];
    const tabs = shown.filter((n) => n.type === "tab").map((n) => n.id);
    const drawn = new Map<string, Drawn>();
    for (const tab of tabs) {
      // A node has its size and its drawing once its tab has been drawn.
      const nodes = await page.evaluate(async (z) => {
        const red = (
          window as unknown as {
            RED: {
              workspaces: { show(id: string): void };
              nodes: { eachNode(cb: (n: { id: string; z: string; w?: number }) => void): void };
            };
          }
        ).RED;
        red.workspaces.show(z);
        const ofTab = () => {
          const found: { id: string; z: string; w?: number; h?: number }[] = [];
          red.nodes.eachNode((n) => {
            if (n.z === z) found.push(n);
          });
          return found;
        };
        while (ofTab().some((n) => n.w === undefined || !document.getElementById(n.id)))
          await new Promise((resolve) => requestAnimationFrame(resolve));
        const rectOf = (e: Element | null | undefined) => {
          const r = e?.getBoundingClientRect();
          return r && r.width > 0 ? { l: r.left, r: r.right, t: r.top, b: r.bottom } : null;
        };
        return ofTab().map((n) => {
          const g = document.getElementById(n.id);
          const badge = g?.querySelector<SVGGElement>(".red-ui-flow-node-status-group");
          return {
            id: n.id,
            w: n.w,
            h: n.h,
            label: g?.querySelector(".red-ui-flow-node-label")?.textContent ?? null,
            rect: rectOf(g?.querySelector("rect.red-ui-flow-node")),
            badge: badge?.style.display === "none" ? null : rectOf(badge),
          };
        });
      }, tab);
      for (const n of nodes) drawn.set(n.id, n);
      // A badge shown (a job in's queue/job, the crons' counts) runs into no other node, nor the
      // row under it where that node's own badge shows.
      for (const a of nodes.filter((n) => n.badge)) {
        for (const b of nodes.filter((n) => n.id !== a.id && n.rect)) {
          const [p, q] = [a.badge as Rect, b.rect as Rect];
          if (p.l < q.r && q.l < p.r && p.t < q.b + 22 && q.t < p.b)
            crossed.push(`badge of ${a.label} runs into ${b.label} (or its badge)`);
        }
      }
    }
    const smaller: string[] = [];
    for (const node of shown.filter((n) => drawn.has(n.id))) {
      const real = drawn.get(node.id) as Drawn;
      const box = nodeBox(node, ports);
      const badge = node.type === "comment" ? 0 : 22;
      if ((real.w ?? 0) > box.right - box.left || (real.h ?? 0) > box.bottom - box.top - badge)
        smaller.push(
          `${node.id} ${node.type}: drawn ${real.w}×${real.h}, computed ${box.right - box.left}×${box.bottom - box.top - badge}`,
        );
      expect(real.label, node.id).toBe(nodeLabel(node));
    }
    expect(drawn.size).toBeGreaterThan(80 + types.length);
    expect(smaller).toEqual([]);
    expect(crossed).toEqual([]);
  });
});
