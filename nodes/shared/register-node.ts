// Registers a chatia node type with Node-RED, its config read through the type's declaration:
// defaults filled in, every setting checked. Flows are checked before they run (validate, start,
// deploy), so a node with bad settings is a flow that slipped past those checks: it says so on its
// status and fails every message with CF_NODE_INPUT rather than guessing.
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import {
  type NodeDeclaration,
  readSettings,
  renameOldSettings,
  type SettingsOf,
} from "./define-node";

export function registerNode<D extends NodeDeclaration>(
  RED: NodeAPI,
  declaration: D,
  init: (this: Node, settings: SettingsOf<D>) => void,
): void {
  function ChatiaNode(this: Node, config: NodeDef) {
    RED.nodes.createNode(this, config);
    const renamed = renameOldSettings(declaration, config as unknown as Record<string, unknown>);
    const read = readSettings(declaration, renamed.node);
    if (read.problems.length === 0) {
      init.call(this, read.settings as SettingsOf<D>);
      return;
    }
    const list = read.problems.map((p) => `${p.setting} ${p.message}`).join("; ");
    const error = new ChatiaError("CF_NODE_INPUT", `invalid settings: ${list}`);
    this.status({ fill: "red", shape: "ring", text: "invalid settings" });
    this.error(error.message);
    this.on("input", (_msg: NodeMessage, _send: unknown, done: (err?: Error) => void) =>
      done(error),
    );
  }
  RED.nodes.registerType(declaration.type, ChatiaNode);
}
