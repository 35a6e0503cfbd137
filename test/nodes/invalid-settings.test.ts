// Every chatia node type under Node-RED's node test helper with a setting that does not fit its
// declaration (a flow that slipped past validate, start and deploy): the node says so on its
// status and in the log, and fails each message with CF_NODE_INPUT naming the setting, calling
// done() once per message and sending nothing. Flows are checked before they run, so the node
// reaches no service here.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { NODE_DECLARATIONS } from "../../nodes/node-settings";
import type { ChatiaNodeContext } from "../../runtime/flow-bridge/node-context";
import { helper, loadNode } from "../helpers/node-harness";
import { NODE_MODULES } from "../helpers/node-modules";

/** Unreachable here: a node with invalid settings never calls its services or dispatcher. */
const unreachable = new Proxy({} as ChatiaNodeContext, {
  get(_target, key) {
    throw new Error(`a node with invalid settings reached the node context (${String(key)})`);
  },
});

afterEach(() => helper.unload());

describe("a node with invalid settings", () => {
  it("every node type has a module and a declaration", () => {
    expect([...NODE_MODULES.keys()].sort()).toEqual([...NODE_DECLARATIONS.keys()].sort());
    expect(NODE_MODULES.size).toBe(29);
  });

  it("every node type has node tests of its own in test/nodes besides these", () => {
    const others = readdirSync(__dirname)
      .filter((f) => f.endsWith(".test.ts") && f !== path.basename(__filename))
      .map((f) => readFileSync(path.join(__dirname, f), "utf8"));
    const untested = [...NODE_MODULES.keys()].filter(
      (type) =>
        !others.some((text) => text.includes(`type: "${type}"`) || text.includes(`"${type}",`)),
    );
    expect(untested).toEqual([]);
  });

  for (const [type, register] of NODE_MODULES) {
    it(`${type}: red status, CF_NODE_INPUT naming the setting, done once per message`, async () => {
      const n = await loadNode(register, type, { misspelt: "x" }, unreachable, 3);
      expect(n.statuses()).toEqual([{ fill: "red", shape: "ring", text: "invalid settings" }]);
      const named = new RegExp(`^invalid settings: .*misspelt is not a setting of "${type}"`);
      expect(n.errors()).toEqual([expect.stringMatching(named)]);
      for (const id of ["a", "b"]) {
        const { error, outputs } = await n.receive({ _msgid: id, payload: {} });
        expect(error?.code).toBe("CF_NODE_INPUT");
        expect(error?.message).toMatch(named);
        expect(outputs.flat()).toEqual([]);
      }
      expect(n.doneCalls).toHaveLength(2);
    });
  }
});
