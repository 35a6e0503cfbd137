// The Node-RED internals the runtime relies on (runtime/adapters/node-red/internals.ts): the version
// they were written for, and each patch taking effect on the installed Node-RED's own code.
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  coreNodesDir,
  type FlowNode,
  installedNodeRedVersion,
  NODE_RED_INTERNALS,
  NODE_RED_VERSION_WRITTEN_FOR,
  nodeRedLibrary,
  patchUncaughtErrors,
  skipUnwantedMetrics,
} from "../../../runtime/adapters/node-red/internals";

interface FlowPrototype {
  handleError(this: unknown, node: FlowNode, error: unknown, msg?: unknown): boolean;
}
const { Flow } = require("@node-red/runtime/lib/flows/Flow") as {
  Flow: { prototype: FlowPrototype };
};
const NodePrototype = (
  require("@node-red/runtime/lib/nodes/Node") as {
    prototype: { metric(this: unknown, event?: string, msg?: unknown, value?: unknown): unknown };
  }
).prototype;
const { log } = require("@node-red/util") as {
  log: { metric(): boolean; log(record: unknown): void };
};

describe("Node-RED internals", () => {
  it("were written for the installed Node-RED version", () => {
    const installed = installedNodeRedVersion();
    if (installed !== NODE_RED_VERSION_WRITTEN_FOR) {
      const list = NODE_RED_INTERNALS.map((i) => `  - ${i.name} in ${i.file}: ${i.recheck}`);
      throw new Error(
        [
          `Node-RED ${installed} is installed; runtime/adapters/node-red/internals.ts was written for ${NODE_RED_VERSION_WRITTEN_FOR}.`,
          "Re-check each of these against the new sources, then update NODE_RED_VERSION_WRITTEN_FOR:",
          ...list,
        ].join("\n"),
      );
    }
    expect(installed).toBe(NODE_RED_VERSION_WRITTEN_FOR);
  });

  it("name files that exist in the installed Node-RED", () => {
    for (const internal of NODE_RED_INTERNALS) {
      const [scope, pkg, ...rest] = internal.file.split("/");
      const root = path.dirname(require.resolve(`${scope}/${pkg}/package.json`));
      expect(existsSync(path.join(root, ...rest)), internal.name).toBe(true);
    }
    expect(existsSync(path.join(coreNodesDir(), "common", "20-inject.js"))).toBe(true);
  });

  it("report to the handler an error no Catch node took, for a job's message only", () => {
    const seen: Array<{ msg: unknown; error: unknown; node: FlowNode }> = [];
    // The handler's answer (did a running job take the error?) is what Node-RED sees as handled.
    patchUncaughtErrors((msg, error, node) => {
      seen.push({ msg, error, node });
      return (msg.job as { id: string }).id === "7";
    });
    const flow = { TYPE: "flow", id: "f1", catchNodes: [], groups: {} };
    const node = { id: "n1", type: "find tickets", name: "find" };
    const error = new Error("boom");

    expect(Flow.prototype.handleError.call(flow, node, error, { job: { id: "7" } })).toBe(true);
    expect(Flow.prototype.handleError.call(flow, node, error, { job: { id: "8" } })).toBe(false);
    expect(Flow.prototype.handleError.call(flow, node, error, { payload: 1 })).toBe(false);
    expect(seen).toEqual([
      { msg: { job: { id: "7" } }, error, node },
      { msg: { job: { id: "8" } }, error, node },
    ]);
  });

  it("leave an error a Catch node took to that Catch node", () => {
    const seen: unknown[] = [];
    patchUncaughtErrors((msg) => {
      seen.push(msg);
      return true;
    });
    const caught: unknown[] = [];
    const catchNode = { id: "c1", scope: null, receive: (m: unknown) => caught.push(m) };
    const flow = { TYPE: "flow", id: "f1", catchNodes: [catchNode], groups: {} };
    const node = { id: "n1", type: "find tickets" };

    expect(Flow.prototype.handleError.call(flow, node, new Error("x"), { job: {} })).toBe(true);
    expect(caught).toHaveLength(1);
    expect(seen).toEqual([]);
  });

  it("skip metric records while metrics are off, and still answer whether they are on", () => {
    skipUnwantedMetrics();
    const records: unknown[] = [];
    const originalLog = log.log;
    log.log = (record) => records.push(record);
    try {
      const node = { id: "n1", type: "job in" };
      NodePrototype.metric.call(node, "send", { _msgid: "m1" });
      expect(log.metric()).toBe(false);
      expect(records).toEqual([]);
      expect(NodePrototype.metric.call(node)).toBe(log.metric());
    } finally {
      log.log = originalLog;
    }
  });

  it("reach Node-RED's library store", async () => {
    const library = await nodeRedLibrary({ userDir: "/nonexistent-chatia", readOnly: true });
    expect(typeof library.getLibraryEntry).toBe("function");
    expect(typeof library.saveLibraryEntry).toBe("function");
  });
});
