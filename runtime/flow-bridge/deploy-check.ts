// The check of a proposed set of flows — a deploy from the editor or the admin API (full or
// partial: Node-RED hands the storage the whole set either way) — before anything is written or
// restarted. One function over the whole set, so that rules about the set as a whole (which flows
// exist, which are gone) have one place to go.
import path from "node:path";
import { CONFIG_FILE, type FlowFileSet, splitNodeRedFlows } from "../adapters/node-red/flow-files";
import { describeNode, type NodeRedNode } from "../adapters/node-red/flow-format";
import { STRUCTURAL_TYPES } from "../adapters/node-red/node-types";
import { strayEntries } from "./entry-claims";
import { checkJobFlow, type JobFlow } from "./flow-checks";
import { checkNodeSettings } from "./node-settings-check";

/** A job whose flow must be fit to run it. */
export interface DeployJob {
  readonly queue: string;
  readonly name: string;
  readonly flow: string;
}

export interface DeployRules {
  /** The enabled jobs of the running manifest. */
  readonly jobs: readonly DeployJob[];
  /** Node types a flow may use (tabs, subflows and groups always may). */
  readonly knownTypes: ReadonlySet<string>;
  /**
   * What a job whose flow is not in the set means: on the api side the jobs given are handled, so
   * the deploy removes their flow (refused); a worker does not know which jobs the api holds as
   * declared, not handled, so it lets such a job pass (the api refused the removal already).
   * @defaultValue "refuse"
   */
  readonly missingFlow?: "refuse" | "allow";
}

/** One reason to refuse a deploy: which flow, which node, which setting, why. */
export interface DeployProblem {
  /** The flow id (its file name without .json), `_config` for shared nodes; absent when none applies. */
  readonly flow?: string;
  readonly nodeId?: string;
  readonly setting?: string;
  /** A sentence naming the flow, the node and the setting. */
  readonly message: string;
}

/** Every problem of the proposed flows; an empty list means the deploy may be written. */
export function checkDeploy(flat: readonly NodeRedNode[], rules: DeployRules): DeployProblem[] {
  const split = splitNodeRedFlows(flat);
  const problems: DeployProblem[] = split.problems.map((p) => ({
    ...(p.file !== "" && { flow: path.basename(p.file, ".json") }),
    ...(p.nodeId !== undefined && { nodeId: p.nodeId }),
    message: p.message,
  }));
  const set = flowFileSet(split.files);
  for (const [flow, nodes] of [...set.flows, ["_config", set.config] as const]) {
    for (const p of checkNodeSettings(nodes))
      problems.push({
        flow,
        nodeId: p.node.id,
        setting: p.setting,
        message: `flow ${flow}, ${describeNode(p.node, "'")}: setting '${p.setting}' ${p.message}`,
      });
  }
  for (const stray of strayEntries(set.flows, rules.jobs))
    problems.push({ flow: stray.flow, nodeId: stray.node.id, message: stray.message });
  const knownTypes = new Set([...STRUCTURAL_TYPES, ...rules.knownTypes]);
  for (const job of rules.jobs) {
    const problem = (message: string, hint?: string) =>
      problems.push({ flow: job.flow, message: hint ? `${message}; ${hint}` : message });
    // A running job whose flow the deploy leaves out would stop being handled.
    const removed = () =>
      problem(
        `the deploy removes flow ${job.flow}, which handles ${job.queue}/${job.name}`,
        "keep the flow, or remove or disable the job in jobs.yaml first",
      );
    checkJobFlow(jobFlow(job), {
      set,
      knownTypes,
      configLabel: `flows/${CONFIG_FILE}`,
      problem,
      notHandled: rules.missingFlow === "allow" ? () => undefined : removed,
    });
  }
  return problems;
}

function jobFlow(job: DeployJob): JobFlow {
  const file = `${job.flow}.json`;
  return {
    key: `${job.queue}/${job.name}`,
    queue: job.queue,
    job: job.name,
    file,
    label: `flows/${file}`,
    pointer: "",
  };
}

/** A split deploy seen as the flows folder it would write. */
function flowFileSet(files: ReadonlyMap<string, readonly NodeRedNode[]>): FlowFileSet {
  const flows = new Map<string, readonly NodeRedNode[]>();
  for (const [name, nodes] of files)
    if (name !== CONFIG_FILE) flows.set(name.slice(0, -".json".length), nodes);
  return {
    flows,
    config: files.get(CONFIG_FILE) ?? [],
    problems: [],
    files: new Set(files.keys()),
  };
}
