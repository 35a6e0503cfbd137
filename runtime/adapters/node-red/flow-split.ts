// A deploy's flat node array → one file per tab, named by the flow id the tab carries (its
// CHATIA_FLOW_ID environment entry; the label's flow id for a tab that has none yet), plus
// `_config.json`. Renaming a tab changes its label only, never its file.
// Any problem refuses the whole split: a deploy is written completely or not at all. Its messages
// quote with ' because the editor shows them inside the JSON of the refused request.
import {
  CONFIG_FILE,
  describeNode,
  FLOW_ID_PATTERN,
  type FlowFileProblem,
  type NodeRedNode,
} from "./flow-format";

export interface FlowSplit {
  /** File name (`<flow-id>.json`, `_config.json`) → its nodes, the tab first; `_config.json` only when it has nodes. */
  readonly files: Map<string, NodeRedNode[]>;
  /** When not empty, `files` must not be written. */
  readonly problems: FlowFileProblem[];
}

const MAX_FLOW_ID = 64;

/**
 * The flow id a tab label gives: accents dropped, lowercase, every run of other characters than
 * a-z and 0-9 turned into one `-`, and no `-` at either end ("Envio de mensagem" → "envio-de-mensagem").
 * "" when nothing is left.
 */
export function flowIdOf(label: string): string {
  return label
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** The tab's own record of its flow id: an environment entry, which the editor keeps across edits. */
export const FLOW_ID_ENV = "CHATIA_FLOW_ID";

interface EnvEntry {
  readonly name?: unknown;
  readonly value?: unknown;
}

/** The flow id a tab carries (its CHATIA_FLOW_ID entry), else the one its label gives. */
export function flowIdOfTab(tab: NodeRedNode): string {
  const carried = carriedFlowId(tab);
  if (carried !== undefined) return carried;
  return flowIdOf(typeof tab.label === "string" ? tab.label : "");
}

/** The CHATIA_FLOW_ID entry of a tab, when it has one. */
export function carriedFlowId(tab: NodeRedNode): string | undefined {
  const env = (tab as { env?: unknown }).env;
  if (!Array.isArray(env)) return undefined;
  const entry = (env as EnvEntry[]).find((e) => e?.name === FLOW_ID_ENV);
  return typeof entry?.value === "string" ? entry.value : undefined;
}

/** The tab with `flowId` recorded as its CHATIA_FLOW_ID entry (other entries kept). */
export function withFlowId(tab: NodeRedNode, flowId: string): NodeRedNode {
  const env = (tab as { env?: unknown }).env;
  const others = Array.isArray(env)
    ? (env as EnvEntry[]).filter((e) => e?.name !== FLOW_ID_ENV)
    : [];
  return { ...tab, env: [...others, { name: FLOW_ID_ENV, type: "str", value: flowId }] };
}

/** Splits Node-RED's flat array by tab. Credentials never reach a flow file: they are dropped here. */
export function splitNodeRedFlows(flat: readonly NodeRedNode[]): FlowSplit {
  const problems: FlowFileProblem[] = [];
  const fileOfTab = nameTabs(flat, problems);
  const subflows = new Set(flat.filter((n) => n.type === "subflow").map((n) => n.id));
  const files = new Map<string, NodeRedNode[]>();
  const add = (file: string, node: NodeRedNode) => {
    const nodes = files.get(file) ?? [];
    if (nodes.length === 0) files.set(file, nodes);
    // The tab goes first so that a file opens with what it is.
    if (node.type === "tab") nodes.unshift(withoutCredentials(node));
    else nodes.push(withoutCredentials(node));
  };
  for (const node of flat) {
    const file = fileOf(node, fileOfTab, subflows);
    if (typeof file === "string") add(file, node);
    else if (file === undefined)
      problems.push({
        file: CONFIG_FILE,
        nodeId: node.id,
        message: `${describeNode(node, "'")} has z '${node.z}', which is neither a tab nor a subflow`,
      });
  }
  return { files, problems };
}

/** The file a node goes to; null for a node of a refused tab (reported already), undefined for an orphan. */
function fileOf(
  node: NodeRedNode,
  fileOfTab: ReadonlyMap<string, string | null>,
  subflows: ReadonlySet<string>,
): string | null | undefined {
  if (node.type === "tab") return fileOfTab.get(node.id);
  if (node.type === "subflow" || node.z === undefined || node.z === "") return CONFIG_FILE;
  if (subflows.has(node.z)) return CONFIG_FILE;
  return fileOfTab.get(node.z);
}

/** Tab id → file name, or null for a tab whose label gives no usable or no unique flow id (a problem). */
function nameTabs(
  flat: readonly NodeRedNode[],
  problems: FlowFileProblem[],
): Map<string, string | null> {
  const fileOfTab = new Map<string, string | null>();
  const tabOfFile = new Map<string, NodeRedNode>();
  for (const tab of flat.filter((n) => n.type === "tab")) {
    const id = flowIdOfTab(tab);
    const file = `${id}.json`;
    const problem = tabNameProblem(tab, id, tabOfFile.get(file));
    if (problem !== undefined) {
      problems.push({ file: id === "" ? "" : file, nodeId: tab.id, message: problem });
      fileOfTab.set(tab.id, null);
      continue;
    }
    fileOfTab.set(tab.id, file);
    tabOfFile.set(file, tab);
  }
  return fileOfTab;
}

function tabNameProblem(
  tab: NodeRedNode,
  id: string,
  other: NodeRedNode | undefined,
): string | undefined {
  if (id === "")
    return `${describeNode(tab, "'")}: its name gives no flow id; name it with letters or digits, e.g. 'send-message'`;
  if (id.length > MAX_FLOW_ID)
    return `${describeNode(tab, "'")}: its name gives a flow id of ${id.length} characters; shorten it to ${MAX_FLOW_ID} at most`;
  if (carriedFlowId(tab) !== undefined && !FLOW_ID_PATTERN.test(id))
    return `${describeNode(tab, "'")}: its ${FLOW_ID_ENV} '${id}' is not a flow id (lowercase letters, digits and '-')`;
  if (other !== undefined)
    return `${describeNode(other, "'")} and ${describeNode(tab, "'")} both give the flow id '${id}'; rename one of them`;
  return undefined;
}

function withoutCredentials(node: NodeRedNode): NodeRedNode {
  if (!("credentials" in node)) return node;
  const { credentials: _secret, ...rest } = node;
  return rest as NodeRedNode;
}
