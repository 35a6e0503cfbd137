// listInstalledNodeTypes scans the nodes' .html files instead of starting Node-RED; this test starts
// a real Node-RED with the same node folders and requires both lists to agree, so the scan cannot drift.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadNodeRed, type NodeRed } from "../../../runtime/adapters/node-red/node-red-module";
import {
  listInstalledNodeTypes,
  registeredTypes,
  STRUCTURAL_TYPES,
} from "../../../runtime/adapters/node-red/node-types";

const EXTRA_NODES = path.resolve(__dirname, "../../fixtures/node-red/nodes");

let userDir: string;
let red: NodeRed;

beforeAll(async () => {
  userDir = mkdtempSync(path.join(os.tmpdir(), "cf-node-types-"));
  red = loadNodeRed();
  red.init(null, {
    userDir,
    nodesDir: [EXTRA_NODES],
    httpAdminRoot: false,
    httpNodeRoot: false,
    logging: { console: { level: "off" } },
    editorTheme: { tours: false },
  });
  const started = new Promise<void>((resolve) => red.events.once("flows:started", () => resolve()));
  await red.start();
  await started;
});

afterAll(async () => {
  await red?.stop();
  rmSync(userDir, { recursive: true, force: true });
});

describe("listInstalledNodeTypes", () => {
  it("lists exactly the types a started Node-RED registers, plus tab, subflow and group", async () => {
    const registered = red.nodes.getNodeList().flatMap((set) => [...set.types]);
    const scanned = await listInstalledNodeTypes([EXTRA_NODES]);
    expect([...scanned].sort()).toEqual([...new Set([...registered, ...STRUCTURAL_TYPES])].sort());
    expect(scanned).toContain("chatia sample");
    expect(scanned).toContain("link call");
  });

  it("ignores folders that do not exist", async () => {
    const core = await listInstalledNodeTypes([]);
    expect(await listInstalledNodeTypes([path.join(userDir, "nowhere")])).toEqual(core);
    expect(core).not.toContain("chatia sample");
  });

  it("reads both quote styles of registerType", () => {
    const html = `RED.nodes.registerType('job in', {}); RED.nodes.registerType(\n  "job out", {});`;
    expect(registeredTypes(html)).toEqual(["job in", "job out"]);
  });
});
