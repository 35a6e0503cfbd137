// The storage module on its own (no Node-RED): flows published by the api process win over the
// folder, problems of flow files are logged, and runtime state files live in userDir.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatFlowFile, type NodeRedNode } from "../../../runtime/adapters/node-red/flow-files";
import { createFlowStorage } from "../../../runtime/adapters/node-red/flow-storage";
import { checkDeploy } from "../../../runtime/flow-bridge/deploy-check";
import { migrateFlows } from "../../../runtime/flow-bridge/node-settings-check";

let root: string;
let flowsDir: string;
let userDir: string;
const warnings: string[] = [];
const runtime = { log: { warn: (m: string) => void warnings.push(m), info: () => undefined } };

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "cf-storage-"));
  flowsDir = path.join(root, "flows");
  userDir = path.join(root, "user");
  warnings.length = 0;
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const tab = (id: string, label: string): NodeRedNode => ({ id, type: "tab", label });
const put = (name: string, text: string) => {
  writeFileSync(path.join(flowsDir, name), text);
};

describe("createFlowStorage", () => {
  it("loads settings saved under old names through a one-time rename: logged, and the file rewritten", async () => {
    mkdirSync(flowsDir);
    const find = {
      id: "f",
      type: "find tickets",
      z: "t",
      name: "open",
      status: "open",
      x: 1,
      y: 2,
    };
    put("crons.json", formatFlowFile([tab("t", "crons"), find]));
    put("other.json", formatFlowFile([tab("o", "other")]));
    const before = statSync(path.join(flowsDir, "other.json")).mtimeMs;
    const storage = createFlowStorage({ flowsDir, userDir, migrate: migrateFlows });
    await storage.init({}, runtime);
    const { status: _old, ...renamed } = { ...find, ticketStatus: "open" };
    expect(await storage.getFlows()).toEqual([tab("t", "crons"), tab("o", "other"), renamed]);
    expect(warnings).toEqual([
      'flows: node "open" (f, find tickets): setting "status" renamed to "ticketStatus" (a name the editor keeps for itself)',
    ]);
    expect(readFileSync(path.join(flowsDir, "crons.json"), "utf8")).toBe(
      formatFlowFile([tab("t", "crons"), renamed]),
    );
    expect(statSync(path.join(flowsDir, "other.json")).mtimeMs).toBe(before);
    warnings.length = 0;
    await storage.getFlows();
    expect(warnings).toEqual([]);
  });

  it("refuses a deploy its check finds a problem in: nothing written, nothing handed on", async () => {
    mkdirSync(flowsDir);
    const text = formatFlowFile([tab("t", "crons")]);
    put("crons.json", text);
    const saved: NodeRedNode[][] = [];
    const storage = createFlowStorage({
      flowsDir,
      userDir,
      check: (flat) => checkDeploy(flat, { jobs: [], knownTypes: new Set() }),
      onSave: async (flat) => void saved.push(flat),
    });
    await storage.init({}, runtime);
    const bad = { id: "u", type: "update ticket", z: "t", ticketStatus: "gone" };
    await expect(storage.saveFlows([tab("t", "crons"), bad])).rejects.toMatchObject({
      code: "CF_FLOW_DEPLOY_REFUSED",
      message:
        "deploy refused, nothing was saved: flow crons, node u (update ticket): setting 'ticketStatus' must be one of keep, open, pending, closed, got \"gone\"",
    });
    expect(readFileSync(path.join(flowsDir, "crons.json"), "utf8")).toBe(text);
    expect(saved).toEqual([]);
    await storage.saveFlows([tab("t", "crons")]);
    expect(saved).toEqual([]);
  });

  it("reads flows from the folder, logging and skipping files with problems", async () => {
    const storage = createFlowStorage({ flowsDir, userDir });
    await storage.init({}, runtime);
    expect(await storage.getFlows()).toEqual([]);
    mkdirSync(flowsDir);
    put("good.json", formatFlowFile([tab("g", "good")]));
    put("bad.json", "[");
    expect(await storage.getFlows()).toEqual([tab("g", "good")]);
    expect(warnings).toEqual([
      `flow file skipped: ${path.join(flowsDir, "bad.json")}:1:2: is not valid JSON: unexpected end of JSON input`,
    ]);
  });

  it("uses published flows when load returns some, and the folder when it returns none", async () => {
    const published = [tab("p", "published")];
    let answer: NodeRedNode[] | undefined = published;
    const storage = createFlowStorage({ flowsDir, userDir, load: async () => answer });
    await storage.init({}, runtime);
    expect(await storage.getFlows()).toEqual(published);
    answer = undefined;
    expect(await storage.getFlows()).toEqual([]);
  });

  it("does not delete a file it could not read when a deploy comes", async () => {
    mkdirSync(flowsDir);
    put("old.json", formatFlowFile([tab("o", "old")]));
    put("broken.json", "{ half an edit");
    const storage = createFlowStorage({ flowsDir, userDir });
    await storage.init({}, runtime);
    await storage.getFlows();
    await storage.saveFlows([tab("n", "New one")]);
    expect(readFileSync(path.join(flowsDir, "broken.json"), "utf8")).toBe("{ half an edit");
    expect(() => statSync(path.join(flowsDir, "old.json"))).toThrow();
    expect(readFileSync(path.join(flowsDir, "new-one.json"), "utf8")).toBe(
      formatFlowFile([tab("n", "New one")]),
    );
  });

  it("keeps settings and sessions in userDir, readable by the owner only", async () => {
    const storage = createFlowStorage({ flowsDir, userDir });
    await storage.init({}, runtime);
    expect(await storage.getSettings()).toEqual({});
    await storage.saveSettings({ _credentialSecret: "k" });
    await storage.saveSessions({ token: { user: "admin" } });
    expect(await storage.getSettings()).toEqual({ _credentialSecret: "k" });
    expect(await storage.getSessions()).toEqual({ token: { user: "admin" } });
    for (const name of ["settings.json", "sessions.json"])
      expect(statSync(path.join(userDir, name)).mode & 0o777).toBe(0o600);
  });

  it("writes nothing in read-only mode", async () => {
    const storage = createFlowStorage({ flowsDir, userDir });
    await storage.init({ readOnly: true }, runtime);
    await storage.saveFlows([tab("t", "t")]);
    await storage.saveSettings({ a: 1 });
    expect(() => statSync(flowsDir)).toThrow();
    expect(await storage.getSettings()).toEqual({});
  });
});
