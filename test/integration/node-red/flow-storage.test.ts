// A real embedded Node-RED 4.1 with our storage module: flows load from one file per tab, and a deploy
// through the editor's admin API writes them back file by file (a renamed tab keeps its file, other
// files untouched), refuses what it cannot name, and keeps credentials out of the flows folder.
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
} from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { NodeRedNode } from "../../../runtime/adapters/node-red/flow-files";
import {
  createFlowStorage,
  type NodeRedStorageModule,
} from "../../../runtime/adapters/node-red/flow-storage";
import { loadNodeRed, type NodeRed } from "../../../runtime/adapters/node-red/node-red-module";

const FIXTURE_FLOWS = path.resolve(__dirname, "../../fixtures/node-red/flows");
const PAST = new Date("2020-01-01T00:00:00Z");

let root: string;
let flowsDir: string;
let userDir: string;
let red: NodeRed;
let server: http.Server;
let baseUrl: string;
let storage: NodeRedStorageModule;
const saved: NodeRedNode[][] = [];

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), "cf-node-red-"));
  flowsDir = path.join(root, "flows");
  userDir = path.join(root, "user");
  cpSync(FIXTURE_FLOWS, flowsDir, { recursive: true });
  storage = createFlowStorage({ flowsDir, userDir, onSave: async (flat) => void saved.push(flat) });
  red = loadNodeRed();
  server = http.createServer((req, res) => red.httpAdmin(req, res));
  red.init(server, {
    userDir,
    storageModule: storage,
    httpAdminRoot: "/",
    httpNodeRoot: false,
    logging: { console: { level: "off" } },
    editorTheme: { tours: false },
  });
  const started = new Promise<void>((resolve) => red.events.once("flows:started", () => resolve()));
  await red.start();
  await started;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await red?.stop();
  await new Promise((resolve) => server?.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

/** What the editor does: GET /flows, then POST the whole set with the revision it started from. */
async function currentFlows(): Promise<{ flows: NodeRedNode[]; rev: string }> {
  const res = await fetch(`${baseUrl}/flows`, { headers: { "Node-RED-API-Version": "v2" } });
  return (await res.json()) as { flows: NodeRedNode[]; rev: string };
}

async function deploy(flows: NodeRedNode[], rev: string): Promise<Response> {
  return fetch(`${baseUrl}/flows`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "Node-RED-API-Version": "v2",
      "Node-RED-Deployment-Type": "full",
    },
    body: JSON.stringify({ flows, rev }),
  });
}

const files = () => readdirSync(flowsDir).sort();
const text = (name: string) => readFileSync(path.join(flowsDir, name), "utf8");
const mtime = (name: string) => statSync(path.join(flowsDir, name)).mtimeMs;
const age = (name: string) => utimesSync(path.join(flowsDir, name), PAST, PAST);
const edit = (flows: NodeRedNode[], id: string, change: Record<string, unknown>) =>
  flows.map((n) => (n.id === id ? { ...n, ...change } : n));

describe("flow storage in Node-RED", () => {
  it("loads each flow file as a tab", () => {
    const running = red.nodes.getFlows()?.flows ?? [];
    expect(running.filter((n) => n.type === "tab").map((n) => n.label)).toEqual(["alpha", "Beta"]);
    expect(running.map((n) => n.id).sort()).toEqual(["a0", "a1", "a2", "a3", "b0", "b1", "b2"]);
  });

  it("writes a deploy file by file: a renamed tab keeps its file, other files stay as they were", async () => {
    const betaBefore = text("beta.json");
    age("beta.json");
    const { flows, rev } = await currentFlows();
    const rules = [{ t: "set", p: "payload", pt: "msg", to: "gamma", tot: "str" }];
    const changed = edit(edit(flows, "a0", { label: "Gamma" }), "a2", { rules });
    const res = await deploy(changed, rev);
    expect(res.status).toBe(200);
    expect(files()).toEqual(["alpha.json", "beta.json"]);
    const alpha = JSON.parse(text("alpha.json")) as NodeRedNode[];
    expect(alpha.map((n) => n.id)).toEqual(["a0", "a1", "a2", "a3"]);
    expect(alpha[0]).toMatchObject({
      label: "Gamma",
      env: [{ name: "CHATIA_FLOW_ID", type: "str", value: "alpha" }],
    });
    expect(alpha.find((n) => n.id === "a2")?.rules).toEqual(rules);
    expect(text("alpha.json")).toMatch(
      /^\[\n {4}\{\n {8}"id": "a0",\n {8}"type": "tab",[\s\S]*\n\]\n$/,
    );
    expect(text("beta.json")).toBe(betaBefore);
    expect(mtime("beta.json")).toBe(PAST.getTime());
    expect(
      saved
        .at(-1)
        ?.map((n) => n.id)
        .sort(),
    ).toEqual(["a0", "a1", "a2", "a3", "b0", "b1", "b2"]);
  });

  it("leaves every file untouched when the same flows are deployed again", async () => {
    for (const name of files()) age(name);
    const { flows, rev } = await currentFlows();
    expect((await deploy(flows, rev)).status).toBe(200);
    for (const name of files()) expect(mtime(name), name).toBe(PAST.getTime());
  });

  it("refuses a deploy whose tabs give the same flow id, with a message the editor shows", async () => {
    const before = Object.fromEntries(files().map((n) => [n, text(n)]));
    const savesBefore = saved.length;
    const { flows, rev } = await currentFlows();
    // As a copied tab does: it carries the flow id of the tab it was copied from.
    const env = [{ name: "CHATIA_FLOW_ID", type: "str", value: "alpha" }];
    const res = await deploy(edit(flows, "b0", { label: "gamma", env }), rev);
    // The editor shows `Deploy failed: ` followed by this response body.
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      code: "CF_FLOW_DEPLOY_REFUSED",
      message:
        "deploy refused, nothing was saved: tab 'Gamma' (a0, tab) and tab 'gamma' (b0, tab) both give the flow id 'alpha'; rename one of them",
    });
    expect(Object.fromEntries(files().map((n) => [n, text(n)]))).toEqual(before);
    expect(saved.length).toBe(savesBefore);
    expect((red.nodes.getFlows()?.flows ?? []).find((n) => n.id === "b0")?.label).toBe("Beta");
  });

  it("keeps credentials out of the flows folder, encrypted in userDir", async () => {
    const { flows, rev } = await currentFlows();
    const request: NodeRedNode = {
      id: "b3",
      type: "http request",
      z: "b0",
      name: "call",
      method: "GET",
      ret: "txt",
      url: "http://127.0.0.1:1/",
      authType: "basic",
      x: 300,
      y: 160,
      wires: [[]],
      credentials: { user: "operator", password: "s3cret-password" },
    };
    expect((await deploy([...flows, request], rev)).status).toBe(200);
    expect(text("beta.json")).toContain('"id": "b3"');
    for (const name of files()) expect(text(name)).not.toMatch(/s3cret|operator|credentials/);
    const credentials = readFileSync(path.join(userDir, "credentials.json"), "utf8");
    expect(JSON.parse(credentials)).toEqual({ $: expect.any(String) });
    expect(credentials).not.toContain("s3cret");
    expect(statSync(path.join(userDir, "credentials.json")).mode & 0o777).toBe(0o600);
    const settings = JSON.parse(readFileSync(path.join(userDir, "settings.json"), "utf8"));
    expect(settings._credentialSecret).toEqual(expect.any(String));
    expect(statSync(path.join(userDir, "settings.json")).mode & 0o777).toBe(0o600);
  });

  it("keeps the editor's library in userDir", async () => {
    await storage.saveLibraryEntry("functions", "tools/tidy.js", { name: "tidy" }, "return msg;");
    await vi.waitFor(async () =>
      expect(await storage.getLibraryEntry("functions", "tools/tidy.js")).toBe("return msg;"),
    );
    expect(await storage.getLibraryEntry("functions", "tools")).toEqual([
      { fn: "tidy.js", name: "tidy" },
    ]);
    expect(readdirSync(path.join(userDir, "lib", "functions", "tools"))).toEqual(["tidy.js"]);
  });
});
