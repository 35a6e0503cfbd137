// Every chatia node of a set of flows checked against its type's settings declaration
// (nodes/<node>/<node>.settings.ts), and the one-time rename of settings saved under old names.

import { NODE_DECLARATIONS } from "../../nodes/node-settings";
import { readSettings, renameOldSettings } from "../../nodes/shared/define-node";
import { describeNode, type NodeRedNode } from "../adapters/node-red/flow-format";

export interface NodeSettingProblem {
  readonly node: NodeRedNode;
  readonly setting: string;
  /** Why, a phrase that follows the setting's name ("must be one of keep, open, …"). */
  readonly message: string;
}

/** The settings of every node of a type we declare that do not fit the declaration. */
export function checkNodeSettings(nodes: readonly NodeRedNode[]): NodeSettingProblem[] {
  const problems: NodeSettingProblem[] = [];
  for (const node of nodes) {
    const declaration = NODE_DECLARATIONS.get(node.type);
    if (declaration === undefined) continue;
    for (const p of readSettings(declaration, node).problems)
      problems.push({ node, setting: p.setting, message: p.message });
  }
  return problems;
}

/** A setting found under its old name and moved to its new one. */
export interface SettingRename {
  readonly nodeId: string;
  readonly type: string;
  readonly from: string;
  readonly to: string;
}

/**
 * The nodes with settings saved under old names (a declaration's `renamed`, e.g. `status` of
 * `find tickets`, a name the editor uses for its status badge) moved to their new names; nodes
 * without any are returned as they are (the same objects).
 */
export function renameOldNodeSettings(nodes: readonly NodeRedNode[]): {
  nodes: NodeRedNode[];
  renamed: SettingRename[];
} {
  const renamed: SettingRename[] = [];
  const out = nodes.map((node) => {
    const declaration = NODE_DECLARATIONS.get(node.type);
    if (declaration?.renamed === undefined) return node;
    const result = renameOldSettings(declaration, node);
    for (const [from, to] of result.moved)
      renamed.push({ nodeId: node.id, type: node.type, from, to });
    return result.moved.length === 0 ? node : (result.node as NodeRedNode);
  });
  return { nodes: out, renamed };
}

/** renameOldNodeSettings as the flow storage takes it (see FlowStorageOptions.migrate): one line per rename. */
export function migrateFlows(flat: readonly NodeRedNode[]): {
  nodes: NodeRedNode[];
  renamed: { nodeId: string; message: string }[];
} {
  const { nodes, renamed } = renameOldNodeSettings(flat);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return {
    nodes,
    renamed: renamed.map((r) => {
      const node = byId.get(r.nodeId);
      const what = node ? describeNode(node) : `node ${r.nodeId} (${r.type})`;
      return {
        nodeId: r.nodeId,
        message: `${what}: setting "${r.from}" renamed to "${r.to}" (a name the editor keeps for itself)`,
      };
    }),
  };
}
