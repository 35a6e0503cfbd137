// What a worker checks of signed flows before it runs them, besides the signature (flow-sync.ts):
// every node's type is installed in this worker (left-out nodes such as `exec` are not), and the
// flows pass the same checks as a deploy (checkDeploy, the checks `validate` runs) against the
// worker's enabled jobs. A job whose flow is not in the set passes: the api holds it as declared,
// not handled. Anything wrong refuses the whole set; the worker keeps the flows it runs.
import { describeNode, type NodeRedNode } from "../adapters/node-red/flow-format";
import { STRUCTURAL_TYPES } from "../adapters/node-red/node-types";
import { optionalNodeHint } from "../adapters/node-red/palette";
import { checkDeploy, type DeployJob } from "./deploy-check";

const SUBFLOW_INSTANCE = /^subflow:(.+)$/;

export interface PublishedFlowChecksOptions {
  /** listInstalledNodeTypes with this process's exclusions (palette.ts). */
  readonly knownTypes: ReadonlySet<string>;
  /** The enabled jobs of the worker's manifest, as it holds them now. @defaultValue none */
  readonly jobs?: () => readonly DeployJob[];
}

/** The check for FlowSync: problems, one a line; none when the flows may run. */
export function publishedFlowChecks(
  options: PublishedFlowChecksOptions,
): (flows: readonly NodeRedNode[]) => Promise<string[]> {
  return async (flows) => {
    const problems = typeProblems(flows, options.knownTypes);
    if (problems.length > 0) return problems;
    const rules = { jobs: options.jobs?.() ?? [], knownTypes: options.knownTypes };
    return checkDeploy(flows, { ...rules, missingFlow: "allow" }).map((p) => p.message);
  };
}

function typeProblems(flows: readonly NodeRedNode[], knownTypes: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const subflows = new Set(flows.filter((n) => n.type === "subflow").map((n) => n.id));
  for (const node of flows) {
    const subflow = SUBFLOW_INSTANCE.exec(node.type)?.[1];
    const known =
      subflow !== undefined
        ? subflows.has(subflow)
        : knownTypes.has(node.type) || STRUCTURAL_TYPES.includes(node.type);
    if (known) continue;
    const hint = optionalNodeHint(node.type);
    problems.push(
      `${describeNode(node)} has a type this worker does not run${hint ? `: ${hint}` : ""}`,
    );
  }
  return problems;
}
