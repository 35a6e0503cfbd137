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
import {
  excludedNodeFiles,
  OPTIONAL_NODE_GROUPS,
  parseOptionalNodes,
} from "../../../runtime/adapters/node-red/palette";

const EXTRA_NODES = path.resolve(__dirname, "../../fixtures/node-red/nodes");

let userDir: string;
let red: NodeRed;

beforeAll(async () => {
  userDir = mkdtempSync(path.join(os.tmpdir(), "cf-node-types-"));
  red = loadNodeRed();
  red.init(null, {
    userDir,
    nodesDir: [EXTRA_NODES],
    // As the runtime starts it: no exec, no listening network nodes (palette.ts).
    nodesExcludes: excludedNodeFiles(),
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
    const scanned = await listInstalledNodeTypes([EXTRA_NODES], excludedNodeFiles());
    expect([...scanned].sort()).toEqual([...new Set([...registered, ...STRUCTURAL_TYPES])].sort());
    expect(scanned).toContain("chatia sample");
    expect(scanned).toContain("link call");
  });

  it("leaves exec and the nodes that need a server out by default; a setting brings a group back", async () => {
    const registered = new Set(red.nodes.getNodeList().flatMap((set) => [...set.types]));
    const everything = await listInstalledNodeTypes([]);
    const byDefault = await listInstalledNodeTypes([], excludedNodeFiles());
    const withExec = await listInstalledNodeTypes(
      [],
      excludedNodeFiles(parseOptionalNodes("exec")),
    );
    for (const [group, { types }] of Object.entries(OPTIONAL_NODE_GROUPS)) {
      for (const type of types) {
        expect(everything, `${group}: ${type} is a core type`).toContain(type);
        expect(byDefault).not.toContain(type);
        expect(registered.has(type), `${type} registered by Node-RED`).toBe(false);
        expect(withExec.has(type)).toBe(group === "exec");
      }
    }
    // Nodes that call out (http request, its proxy and TLS config) stay.
    for (const type of ["http request", "http proxy", "tls-config", "function"])
      expect(byDefault).toContain(type);
    expect(await listInstalledNodeTypes([], excludedNodeFiles(parseOptionalNodes("all")))).toEqual(
      everything,
    );
    expect(() => parseOptionalNodes("exec, ftp")).toThrow(/"ftp" is not a node group; use exec/);
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
