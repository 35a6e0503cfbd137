// The vocabulary of flow files: what a Node-RED node is to us, how file names and problems look, and
// JSON parsing that reports where a syntax error is.
import path from "node:path";

/** A node as Node-RED stores it: `id` and `type`, `z` for the tab or subflow it is on, then its own properties. */
export interface NodeRedNode {
  readonly id: string;
  readonly type: string;
  readonly z?: string;
  readonly [property: string]: unknown;
}

export interface FlowFileProblem {
  /** The file concerned: an absolute path when read from disk; when splitting a deploy, the file's name ("" for none). */
  readonly file: string;
  /** What is wrong, in one sentence, naming the node when there is one. */
  readonly message: string;
  /** Id of the offending node, when there is one. */
  readonly nodeId?: string;
  /** 1-based position of a JSON syntax error. */
  readonly line?: number;
  readonly col?: number;
}

/** The file of global config nodes and subflows (it is no flow of its own). */
export const CONFIG_FILE = "_config.json";

/** What a flow id (a flow file's name without `.json`) must look like; the same as in jobs.schema.json. */
export const FLOW_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** True for a name this module reads and writes: `<flow-id>.json` or `_config.json`. */
export function isFlowFileName(name: string): boolean {
  return (
    name === CONFIG_FILE || (name.endsWith(".json") && FLOW_ID_PATTERN.test(name.slice(0, -5)))
  );
}

/** `FILE[:LINE:COL]: message`, with FILE relative to `cwd` when it is inside it. */
export function formatFlowFileProblem(problem: FlowFileProblem, cwd = process.cwd()): string {
  const relative = path.relative(cwd, problem.file);
  const inside = relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
  const file = inside ? relative : problem.file;
  const at = problem.line === undefined ? "" : `:${problem.line}:${problem.col ?? 1}`;
  return `${file}${at}: ${problem.message}`;
}

/** `node "Name" (id, type)`, or `node id (type)` for a node without a name; tabs go by their label. */
export function describeNode(node: NodeRedNode, quote = '"'): string {
  const name = node.type === "tab" ? node.label : node.name;
  const kind = node.type === "tab" ? "tab" : "node";
  return typeof name === "string" && name !== ""
    ? `${kind} ${quote}${name}${quote} (${node.id}, ${node.type})`
    : `${kind} ${node.id} (${node.type})`;
}

export interface ParsedNodes {
  /** The nodes, when the text is a JSON array of nodes. */
  readonly nodes?: NodeRedNode[];
  readonly problems: FlowFileProblem[];
}

/** Parses a flow file's text: a JSON array of objects that each have a string `id` and `type`. */
export function parseNodes(text: string, file: string): ParsedNodes {
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch (err) {
    return { problems: [jsonSyntaxProblem(source, file, (err as Error).message)] };
  }
  if (!Array.isArray(data)) {
    const found = data === null ? "null" : typeof data === "object" ? "an object" : typeof data;
    return {
      problems: [{ file, message: `is not a JSON array of Node-RED nodes (found ${found})` }],
    };
  }
  const problems: FlowFileProblem[] = [];
  data.forEach((item: unknown, index) => {
    if (!isNode(item))
      problems.push({
        file,
        message: `element ${index} of the array is not a Node-RED node (an object with a string "id" and "type")`,
      });
  });
  return problems.length > 0 ? { problems } : { nodes: data as NodeRedNode[], problems };
}

function isNode(value: unknown): value is NodeRedNode {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const { id, type, z } = value as Record<string, unknown>;
  return (
    typeof id === "string" &&
    id !== "" &&
    typeof type === "string" &&
    type !== "" &&
    (z === undefined || typeof z === "string")
  );
}

/** V8 says "… in JSON at position N" (Node 20) or adds "(line L column C)" (Node 22+); we give line:col. */
function jsonSyntaxProblem(text: string, file: string, reason: string): FlowFileProblem {
  const offset = /at position (\d+)/.exec(reason)?.[1];
  const at =
    offset !== undefined
      ? Number(offset)
      : /end of JSON input/.test(reason)
        ? text.length
        : undefined;
  const what = reason
    .replace(/ in JSON at position \d+.*$/, "")
    .replace(/^Unexpected/, "unexpected");
  const message = `is not valid JSON: ${lowerFirst(what)}`;
  return at === undefined ? { file, message } : { file, message, ...lineCol(text, at) };
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, col: offset - before.lastIndexOf("\n") };
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
