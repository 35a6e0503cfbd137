// Node settings declared once (nodes/<node>/<node>.settings.ts): every chatia node type has a
// declaration, none uses a name the Node-RED editor keeps for itself, the runtime reads and checks
// settings through it, old names load through a rename, and a deploy is checked as a whole.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { NODE_DECLARATIONS } from "../../../nodes/node-settings";
import {
  defineNode,
  isReservedName,
  readSettings,
  settingNames,
} from "../../../nodes/shared/define-node";
import { editorDefaults } from "../../../nodes/shared/editor-prelude";
import { checkSetting } from "../../../nodes/shared/setting-check";
import {
  formatFlowFile,
  readFlowDir,
  toNodeRedFlows,
} from "../../../runtime/adapters/node-red/flow-files";
import type { NodeRedNode } from "../../../runtime/adapters/node-red/flow-format";
import { compile } from "../../../runtime/compile";
import { checkDeploy, type DeployRules } from "../../../runtime/flow-bridge/deploy-check";
import { listInstalledNodeTypes } from "../../../runtime/flow-bridge/flow-checks";
import { migrateFlows } from "../../../runtime/flow-bridge/node-settings-check";
import { loadManifest } from "../../../runtime/manifest";
import { PROJECT_ROOT } from "../../../runtime/project-root";

const FLOWS = path.join(PROJECT_ROOT, "flows");
let rules: DeployRules;
let shipped: NodeRedNode[];

beforeAll(async () => {
  const plan = compile(await loadManifest(path.join(PROJECT_ROOT, "jobs.yaml")));
  rules = {
    jobs: plan.queues.flatMap((q) => q.jobs.filter((j) => j.enabled)),
    knownTypes: await listInstalledNodeTypes([path.join(PROJECT_ROOT, "nodes")]),
  };
  shipped = toNodeRedFlows(await readFlowDir(FLOWS));
});

describe("node settings declarations", () => {
  it("declare every chatia node type, and no other", async () => {
    const chatia = await listInstalledNodeTypes([path.join(PROJECT_ROOT, "nodes")]);
    const core = await listInstalledNodeTypes([]);
    const ours = [...chatia].filter((t) => !core.has(t)).sort();
    expect([...NODE_DECLARATIONS.keys()].sort()).toEqual(ours);
  });

  it("use no name the editor keeps for itself (each node's settings listed)", () => {
    const settings = Object.fromEntries(
      [...NODE_DECLARATIONS.values()].map((d) => [d.type, settingNames(d)]),
    );
    const reserved = Object.entries(settings).flatMap(([type, names]) =>
      names.filter((n) => isReservedName(n)).map((n) => `${type}: ${n}`),
    );
    expect(reserved).toEqual([]);
    expect(settings["find tickets"]).toContain("ticketStatus");
    expect(settings["update ticket"]).toContain("ticketStatus");
    expect(settings["update campaign"]).toContain("campaignStatus");
    expect(settings["find or open ticket"]).toContain("ticketStatusType");
    // What Node-RED 4.1's editor writes on node objects (red.js): kept, drawn, flashed, dragged.
    for (const name of [
      ..."status x y z g w h wires type id d l info icon inputs outputs".split(" "),
      ..."changed dirty dirtyStatus valid validationErrors selected moved highlighted".split(" "),
      ..."groupMoved resize credentials _def _config _orig _index __flashTimer".split(" "),
    ])
      expect(isReservedName(name), name).toBe(true);
  });

  it("refuses a declaration with a reserved name", () => {
    for (const name of ["status", "highlighted", "_index"])
      expect(() =>
        defineNode({ type: "bad node", settings: { [name]: { kind: "text", default: "" } } }),
      ).toThrow(
        `node "bad node": the setting "${name}" is a name the Node-RED editor keeps for itself`,
      );
  });

  it("read a node's config with defaults filled in and every bad setting named", () => {
    const find = NODE_DECLARATIONS.get("find tickets");
    if (!find) throw new Error("no find tickets declaration");
    const good = readSettings(find, { id: "n1", type: "find tickets", z: "t", x: 1, y: 2 });
    expect(good.problems).toEqual([]);
    expect(good.settings).toMatchObject({ ticketStatus: "pending", idleMinutesType: "num" });
    const bad = readSettings(find, {
      id: "n1",
      type: "find tickets",
      ticketStatus: "waiting",
      connection: "first",
      idleMinutes: "-5",
      idle: "minutes",
      colour: "red",
    });
    expect(bad.problems).toEqual([
      {
        setting: "ticketStatus",
        message: 'must be one of "", open, pending, closed, got "waiting"',
      },
      {
        setting: "connection",
        message: 'must be empty or a whole number of at least 1, got "first"',
      },
      { setting: "idleMinutes", message: 'must be a number of at least 0, got "-5"' },
      {
        setting: "colour",
        message: expect.stringMatching(
          /^is not a setting of "find tickets" \(its settings: name, ticketStatus, /,
        ),
      },
    ]);
  });

  it("give the editor the same check as the runtime", () => {
    const update = NODE_DECLARATIONS.get("update ticket");
    if (!update) throw new Error("no update ticket declaration");
    const { defaults } = editorDefaults(update.settings, checkSetting);
    const validate = defaults.ticketStatus?.validate as (
      this: unknown,
      v: unknown,
      o: unknown,
    ) => unknown;
    expect(validate.call({}, "closed", {})).toBe(true);
    expect(validate.call({}, { fill: "green", text: "3 updated" }, {})).toBe(
      'ticketStatus must be text, got {"fill":"green","text":"3 updated"}',
    );
    expect(defaults.ticketStatus?.value).toBe("keep");
  });
});

describe("saved flows with old setting names", () => {
  it("load through a rename, one line each", () => {
    const nodes: NodeRedNode[] = [
      { id: "f1", type: "find tickets", z: "t", name: "pending", status: "pending" },
      { id: "u1", type: "update campaign", z: "t", status: "CANCELADA" },
      { id: "c1", type: "change", z: "t", status: "left alone" },
    ];
    const { nodes: out, renamed } = migrateFlows(nodes);
    expect(out).toEqual([
      { id: "f1", type: "find tickets", z: "t", name: "pending", ticketStatus: "pending" },
      { id: "u1", type: "update campaign", z: "t", campaignStatus: "CANCELADA" },
      nodes[2],
    ]);
    expect(renamed.map((r) => r.message)).toEqual([
      'node "pending" (f1, find tickets): setting "status" renamed to "ticketStatus" (a name the editor keeps for itself)',
      'node u1 (update campaign): setting "status" renamed to "campaignStatus" (a name the editor keeps for itself)',
    ]);
  });
});

describe("checkDeploy", () => {
  it("accepts the shipped flows", () => {
    expect(checkDeploy(shipped, rules)).toEqual([]);
  });

  it("refuses a bad setting, naming the flow, the node and the setting", () => {
    const badge = { fill: "green", shape: "dot", text: "2 found" };
    const edited = shipped.map((n) => (n.id === "c10e0003" ? { ...n, ticketStatus: badge } : n));
    expect(checkDeploy(edited, rules)).toEqual([
      {
        flow: "close-inactive-tickets",
        nodeId: "c10e0003",
        setting: "ticketStatus",
        message: `flow close-inactive-tickets, node 'open, idle > expiresTicket' (c10e0003, find tickets): setting 'ticketStatus' must be text, got ${JSON.stringify(badge)}`,
      },
    ]);
  });

  it("refuses a deploy that leaves a job without its flow's job in", () => {
    const edited = shipped.filter((n) => n.id !== "c10e0002");
    expect(checkDeploy(edited, rules).map((p) => p.message)).toEqual([
      'flow file flows/close-inactive-tickets.json (of TicketMonitor/CloseInactiveTickets) has no "job in" node; add a "job in" node for TicketMonitor/CloseInactiveTickets',
    ]);
  });
});

describe("flow files", () => {
  it("are shipped in the canonical form", async () => {
    for (const name of (await readFlowDir(FLOWS)).files) {
      const text = await readFile(path.join(FLOWS, name), "utf8");
      expect(formatFlowFile(JSON.parse(text) as NodeRedNode[]), name).toBe(text);
    }
  });

  it("have one text for one content: key order and unwired ports do not matter", () => {
    const a: NodeRedNode[] = [
      { id: "t", type: "tab", label: "x" },
      { id: "n", type: "change", z: "t", x: 1, rules: [{ t: "set", p: "a" }], wires: [[]] },
    ];
    const b: NodeRedNode[] = [
      { label: "x", type: "tab", id: "t" } as NodeRedNode,
      {
        wires: [],
        rules: [{ p: "a", t: "set" }],
        x: 1,
        z: "t",
        type: "change",
        id: "n",
      } as NodeRedNode,
    ];
    expect(formatFlowFile(b)).toBe(formatFlowFile(a));
  });
});
