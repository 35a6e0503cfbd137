// What a worker checks of signed flows before it runs them, besides the signature (flow-sync.ts):
// they split into flow files as a deploy does, and every node's type is installed in this worker
// (excluded nodes such as `exec` are not). Anything wrong refuses the whole set.
import { splitNodeRedFlows } from "../adapters/node-red/flow-files";
import { describeNode, type NodeRedNode } from "../adapters/node-red/flow-format";
import { STRUCTURAL_TYPES } from "../adapters/node-red/node-types";
import { optionalNodeHint } from "../adapters/node-red/palette";

const SUBFLOW_INSTANCE = /^subflow:(.+)$/;

/** The check for FlowSync: `knownTypes` from listInstalledNodeTypes with this process's exclusions. */
export function publishedFlowChecks(
  knownTypes: ReadonlySet<string>,
): (flows: readonly NodeRedNode[]) => string[] {
  return (flows) => {
    const problems = splitNodeRedFlows(flows).problems.map((p) => p.message);
    const subflows = new Set(flows.filter((n) => n.type === "subflow").map((n) => n.id));
    for (const node of flows) {
      const subflow = SUBFLOW_INSTANCE.exec(node.type)?.[1];
      const known =
        subflow !== undefined
          ? subflows.has(subflow)
          : knownTypes.has(node.type) || STRUCTURAL_TYPES.includes(node.type);
      if (!known) {
        const hint = optionalNodeHint(node.type);
        problems.push(
          `${describeNode(node)} has a type this worker does not run${hint ? `: ${hint}` : ""}`,
        );
      }
    }
    return problems;
  };
}
