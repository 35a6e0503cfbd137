// The on-disk format of flows: one Node-RED tab per `flows/<flow-id>.json` (reviewable in git), and
// the global config nodes and subflows that tabs share in `flows/_config.json`. Pure file handling:
// the storage module, the start-up checks and the tests all read and write flows through here.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import {
  CONFIG_FILE,
  describeNode,
  type FlowFileProblem,
  isFlowFileName,
  type NodeRedNode,
  parseNodes,
} from "./flow-format";
import { carriedFlowId, FLOW_ID_ENV, flowIdOf } from "./flow-split";

export {
  CONFIG_FILE,
  FLOW_ID_PATTERN,
  type FlowFileProblem,
  formatFlowFileProblem,
  isFlowFileName,
  type NodeRedNode,
} from "./flow-format";
export {
  carriedFlowId,
  FLOW_ID_ENV,
  type FlowSplit,
  flowIdOf,
  flowIdOfTab,
  splitNodeRedFlows,
  withFlowId,
} from "./flow-split";
export { type FlowDirWrite, formatFlowFile, writeFlowDir } from "./flow-write";

export interface FlowFileSet {
  /** Flow id (file name without `.json`) → its tab and the nodes on it. */
  readonly flows: ReadonlyMap<string, readonly NodeRedNode[]>;
  /** The nodes of `_config.json`: global config nodes, subflows and the nodes inside them. */
  readonly config: readonly NodeRedNode[];
  /** Every problem found; a file with a problem is left out of `flows` / `config` altogether. */
  readonly problems: readonly FlowFileProblem[];
  /** Names of the files that were read without problems: the ones a deploy may replace or delete. */
  readonly files: ReadonlySet<string>;
}

/**
 * Reads every `*.json` file of `dir` (not recursive, dot-files ignored). A folder that does not exist
 * reads as no flows. `_config.json` is read first, so a node id found twice is blamed on the flow file.
 */
export async function readFlowDir(dir: string): Promise<FlowFileSet> {
  const names = await listJsonFiles(dir);
  const ordered = [
    ...names.filter((n) => n === CONFIG_FILE),
    ...names.filter((n) => n !== CONFIG_FILE),
  ];
  const flows = new Map<string, NodeRedNode[]>();
  const problems: FlowFileProblem[] = [];
  const files = new Set<string>();
  const owners = new Map<string, string>();
  let config: NodeRedNode[] = [];
  for (const name of ordered) {
    const file = path.join(dir, name);
    const read = await readOneFile(file, name, owners);
    problems.push(...read.problems);
    if (read.problems.length > 0 || read.nodes === undefined) continue;
    files.add(name);
    if (name === CONFIG_FILE) config = read.nodes;
    else flows.set(name.slice(0, -5), read.nodes);
  }
  return { flows, config, problems, files };
}

/** The flat array Node-RED's runtime loads: tabs in file-name order, then their nodes, then `_config.json`. */
export function toNodeRedFlows(set: FlowFileSet): NodeRedNode[] {
  const tabs: NodeRedNode[] = [];
  const nodes: NodeRedNode[] = [];
  for (const id of [...set.flows.keys()].sort()) {
    for (const node of set.flows.get(id) ?? []) (node.type === "tab" ? tabs : nodes).push(node);
  }
  return [...tabs, ...nodes, ...set.config];
}

async function listJsonFiles(dir: string): Promise<string[]> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".json") && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
}

interface FileRead {
  readonly nodes?: NodeRedNode[];
  readonly problems: FlowFileProblem[];
}

async function readOneFile(
  file: string,
  name: string,
  owners: Map<string, string>,
): Promise<FileRead> {
  if (!isFlowFileName(name)) {
    const message = `"${name}" is not a flow file name: use lowercase letters, digits and - (at most 64), then .json`;
    return { problems: [{ file, message }] };
  }
  const parsed = parseNodes(await readFile(file, "utf8"), file);
  if (parsed.nodes === undefined) return { problems: parsed.problems };
  const problems = [
    ...parsed.problems,
    ...(name === CONFIG_FILE ? checkConfigFile : checkFlowFile)(parsed.nodes, file),
    ...claimIds(parsed.nodes, file, owners),
  ];
  return { nodes: parsed.nodes, problems };
}

/** A flow file: exactly one tab, and every other node on it. */
function checkFlowFile(nodes: readonly NodeRedNode[], file: string): FlowFileProblem[] {
  const tabs = nodes.filter((n) => n.type === "tab");
  const [tab] = tabs;
  if (tab === undefined || tabs.length > 1) {
    const message =
      tab === undefined
        ? 'has no tab (a node of type "tab"): a flow file holds one Node-RED flow'
        : `has ${tabs.length} tabs (${tabs.map((t) => describeNode(t)).join(", ")}): a flow file holds one`;
    return [{ file, message }];
  }
  const problems: FlowFileProblem[] = [];
  const labelProblem = checkLabel(tab, path.basename(file, ".json"));
  if (labelProblem !== undefined) problems.push({ file, nodeId: tab.id, message: labelProblem });
  for (const node of nodes) {
    if (node === tab) continue;
    const where = misplaced(node, tab.id);
    if (where !== undefined)
      problems.push({ file, nodeId: node.id, message: `${describeNode(node)} ${where}` });
  }
  return problems;
}

/** A deploy names the file after the flow id the tab carries, so the two must agree. */
function checkLabel(tab: NodeRedNode, flowId: string): string | undefined {
  const carried = carriedFlowId(tab);
  if (carried !== undefined) {
    if (carried === flowId) return undefined;
    return `${describeNode(tab)}: its ${FLOW_ID_ENV} is "${carried}", not "${flowId}" as the file name says; set it to "${flowId}" or rename the file`;
  }
  const label = typeof tab.label === "string" ? tab.label : "";
  const fromLabel = flowIdOf(label);
  if (fromLabel === flowId) return undefined;
  const gives = fromLabel === "" ? "gives no flow id" : `gives the flow id "${fromLabel}"`;
  return `${describeNode(tab)}: it carries no ${FLOW_ID_ENV} and its label ${gives}, not "${flowId}" as the file name says; add ${FLOW_ID_ENV} "${flowId}" to the tab's environment or rename the file`;
}

function misplaced(node: NodeRedNode, tabId: string): string | undefined {
  if (node.type === "subflow") return `is a subflow definition: subflows belong in ${CONFIG_FILE}`;
  if (node.z === undefined || node.z === "")
    return `has no z (it is on no tab): global config nodes belong in ${CONFIG_FILE}`;
  if (node.z !== tabId) return `has z "${node.z}", another tab than this file's tab ${tabId}`;
  return undefined;
}

/** `_config.json`: global config nodes and subflows with their nodes; no tabs. */
function checkConfigFile(nodes: readonly NodeRedNode[], file: string): FlowFileProblem[] {
  const subflows = new Set(nodes.filter((n) => n.type === "subflow").map((n) => n.id));
  const problems: FlowFileProblem[] = [];
  for (const node of nodes) {
    let what: string | undefined;
    if (node.type === "tab") what = "is a tab: each tab has a flow file of its own";
    else if (node.z !== undefined && node.z !== "" && !subflows.has(node.z))
      what = `has z "${node.z}", which is no subflow of this file: nodes of a tab belong in its flow file`;
    if (what !== undefined)
      problems.push({ file, nodeId: node.id, message: `${describeNode(node)} ${what}` });
  }
  return problems;
}

/** Node ids are global in Node-RED: the second file holding an id is the one in the wrong. */
function claimIds(
  nodes: readonly NodeRedNode[],
  file: string,
  owners: Map<string, string>,
): FlowFileProblem[] {
  const problems: FlowFileProblem[] = [];
  for (const node of nodes) {
    const owner = owners.get(node.id);
    if (owner === undefined) {
      owners.set(node.id, file);
      continue;
    }
    const where = owner === file ? "earlier in this file" : `in ${path.basename(owner)}`;
    problems.push({
      file,
      nodeId: node.id,
      message: `${describeNode(node)} has the id of a node ${where}: node ids must be unique across all flow files`,
    });
  }
  return problems;
}
