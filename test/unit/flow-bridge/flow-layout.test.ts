// The shipped flows read well in the editor: every node's box, computed from its label the way
// Node-RED 4.1 sizes nodes, overlaps no other, wires run left to right, and descriptions render as
// written (no `<word>` outside code that markdown would swallow as an HTML tag).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readFlowDir } from "../../../runtime/adapters/node-red/flow-files";
import type { NodeRedNode } from "../../../runtime/adapters/node-red/flow-format";
import {
  backwardWires,
  layoutFlow,
  nodeBox,
  overlaps,
  type PortsByType,
} from "../../../runtime/adapters/node-red/flow-layout";
import { listNodePorts } from "../../../runtime/adapters/node-red/node-types";
import { PROJECT_ROOT } from "../../../runtime/project-root";

const FLOWS = path.join(PROJECT_ROOT, "flows");
let ports: PortsByType;

beforeAll(async () => {
  ports = await listNodePorts([path.join(PROJECT_ROOT, "nodes")]);
});

async function shipped(): Promise<[string, NodeRedNode[]][]> {
  const set = await readFlowDir(FLOWS);
  return Promise.all(
    [...set.files].map(
      async (name): Promise<[string, NodeRedNode[]]> => [
        name,
        JSON.parse(await readFile(path.join(FLOWS, name), "utf8")) as NodeRedNode[],
      ],
    ),
  );
}

/** Text markdown would take for HTML: `<` then a letter, `/` or `!`, outside code spans and blocks. */
function htmlLikeTags(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, "").replace(/`[^`]*`/g, "");
  return [...prose.matchAll(/\S*<[A-Za-z/!]\S*/g)].map((m) => m[0]);
}

describe("the shipped flows", () => {
  it("have no overlapping nodes", async () => {
    for (const [name, nodes] of await shipped()) expect(overlaps(nodes, ports), name).toEqual([]);
  });

  it("are laid out left to right", async () => {
    for (const [name, nodes] of await shipped())
      expect(backwardWires(nodes, ports), name).toEqual([]);
  });

  it("have descriptions that render as written", async () => {
    for (const [name, nodes] of await shipped()) {
      for (const node of nodes) {
        const info = typeof node.info === "string" ? node.info : "";
        expect(htmlLikeTags(info), `${name} ${node.id}`).toEqual([]);
      }
    }
    expect(htmlLikeTags("as company-<id>-campaign.")).toEqual(["company-<id>-campaign."]);
    expect(htmlLikeTags("as `company-<id>-campaign`.")).toEqual([]);
  });
});

describe("node boxes and layout", () => {
  it("size a node from its label as the editor does (at least 100 px, in steps of 20)", () => {
    const box = nodeBox({ id: "a", type: "change", name: "count closed", x: 200, y: 100 });
    expect(box.right - box.left).toBe(160);
    expect(nodeBox({ id: "b", type: "change", name: "x", x: 0, y: 0 }).right).toBe(50);
  });

  it("make a node as tall as its type's output ports, wired or not (a saved file drops unwired ones)", () => {
    // prepare shipping has 3 outputs; the file keeps only the first, wired.
    const node = { id: "p", type: "prepare shipping", name: "p", x: 0, y: 100, wires: [["q"]] };
    expect(ports.get("prepare shipping")).toEqual({ inputs: 1, outputs: 3 });
    const box = nodeBox(node, ports);
    expect([box.top, box.bottom - 22]).toEqual([100 - 22.5, 100 + 22.5]);
    // A node's own `outputs` (function, switch) wins; a type without an input is narrower.
    expect(nodeBox({ ...node, type: "switch", outputs: 4 }, ports).top).toBe(70);
    expect(nodeBox({ ...node, type: "job in", name: "a job in" }, ports).right).toBe(60);
    expect(nodeBox({ ...node, type: "job out", name: "a job in" }, ports).right).toBe(70);
  });

  it("finds nodes that overlap only by their unwired output ports", () => {
    const nodes: NodeRedNode[] = [
      { id: "a", type: "load campaign", z: "t", name: "a", x: 100, y: 100, wires: [["b"]] },
      { id: "b", type: "job out", z: "t", name: "b", x: 100, y: 155, wires: [] },
    ];
    expect(overlaps(nodes)).toEqual([]);
    expect(overlaps(nodes, ports)).toEqual(['"a" / "b"']);
  });

  it("reserve a job in's badge (its queue/job, shown always) where it is wider than the node", () => {
    const jobIn = {
      id: "a",
      type: "job in",
      z: "t",
      name: "SendMessage job",
      queue: "SendSacheduledMessages",
      job: "SendMessage",
      x: 130,
      y: 120,
      wires: [["b"]],
    };
    const next = { id: "b", type: "job out", z: "t", name: "send once", x: 350, y: 120, wires: [] };
    expect(nodeBox(jobIn, ports).badgeRight).toBe(40 + 26 + 34 * 7.5);
    expect(overlaps([jobIn, next], ports)).toEqual(['"SendMessage job" / "send once"']);
    expect(overlaps([jobIn, { ...next, x: 420 }], ports)).toEqual([]);
    expect(overlaps(layoutFlow([jobIn, next], ports), ports)).toEqual([]);
  });

  it("finds overlaps, and lays a tangled flow out without any", () => {
    const nodes: NodeRedNode[] = [
      { id: "t", type: "tab", label: "t" },
      {
        id: "a",
        type: "job in",
        z: "t",
        name: "a long job in name",
        x: 100,
        y: 100,
        wires: [["b"]],
      },
      { id: "b", type: "change", z: "t", name: "b", x: 120, y: 100, wires: [["c", "d"]] },
      { id: "c", type: "job out", z: "t", name: "c", x: 50, y: 100, wires: [] },
      { id: "d", type: "job out", z: "t", name: "d", x: 50, y: 110, wires: [] },
    ];
    expect(overlaps(nodes, ports).length).toBeGreaterThan(0);
    const laid = layoutFlow(nodes, ports);
    expect(overlaps(laid, ports)).toEqual([]);
    expect(backwardWires(laid, ports)).toEqual([]);
    expect(laid[0]).toBe(nodes[0]);
  });
});
