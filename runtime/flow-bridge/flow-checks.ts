// The checks of flows against the manifest, run by `chatia-flow validate`, at start-up and on hot
// reload (as a ManifestCheck of loadManifest), and on every deploy (deploy-check.ts): every enabled
// job has a loadable flow with exactly one `job in` node for that job, at least one `job out`, only
// node types that are installed, and every chatia node's settings fit its declaration. From
// jobs.yaml, each problem is reported at the job's `flow:` value. A job whose flow file does not
// exist yet is declared, not handled: a warning, not a problem (see declared-jobs.ts).
import path from "node:path";
import {
  CONFIG_FILE,
  type FlowFileProblem,
  type FlowFileSet,
  type NodeRedNode,
  readFlowDir,
} from "../adapters/node-red/flow-files";
import { describeNode } from "../adapters/node-red/flow-format";
import { STRUCTURAL_TYPES } from "../adapters/node-red/node-types";
import { optionalNodeHint } from "../adapters/node-red/palette";
import type { ManifestCheck, ManifestDocument, Reporter } from "../manifest";
import { didYouMean } from "../manifest/schema-errors";
import { strayEntries } from "./entry-claims";
import { findUnbrokenLoop } from "./flow-loops";
import { checkNodeSettings, renameOldNodeSettings } from "./node-settings-check";

export { listInstalledNodeTypes } from "../adapters/node-red/node-types";

export interface FlowChecksOptions {
  /** The folder of flow files; a relative path is taken from the manifest's folder. */
  readonly flowsDir: string;
  /** Node types a flow may use: see listInstalledNodeTypes. Tabs, subflows and groups always may. */
  readonly knownTypes: ReadonlySet<string>;
}

/** What one job's check needs to know. */
export interface JobFlow {
  readonly key: string;
  readonly queue: string;
  readonly job: string;
  /** The flow file, as the admin would write it: relative to the manifest's folder. */
  readonly label: string;
  readonly file: string;
  /** `/queues/<Q>/jobs/<J>/flow`, where problems are reported. */
  readonly pointer: string;
}

export interface CheckContext {
  readonly set: FlowFileSet;
  readonly knownTypes: ReadonlySet<string>;
  readonly configLabel: string;
  readonly problem: (message: string, hint?: string) => void;
  /** A job declared before its flow exists: valid, but nothing runs it yet. */
  readonly notHandled: (message: string, hint?: string) => void;
}

const JOB_IN = "job in";
const JOB_OUT = "job out";
const SUBFLOW_INSTANCE = /^subflow:(.+)$/;
const NOT_INSTALLED = "has a type that is not installed";
const SHARED = "(shared by every flow)";

export function flowChecks(options: FlowChecksOptions): ManifestCheck {
  return async (manifest, { dir, report, warn }) => {
    const flowsDir = path.resolve(dir, options.flowsDir);
    const set = withNewSettingNames(await readFlowDir(flowsDir));
    const jobs = enabledJobFlows(manifest, flowsDir, dir);
    const configFile = path.join(flowsDir, CONFIG_FILE);
    const configLabel = relativeLabel(dir, configFile);
    const knownTypes = new Set([...STRUCTURAL_TYPES, ...options.knownTypes]);
    const [first] = jobs;
    if (first !== undefined) reportConfigProblems(set, configFile, configLabel, first, report);
    for (const job of jobs) {
      const problem = (message: string, hint?: string) =>
        report(job.pointer, "CF_FLOW_INVALID", message, hint);
      const notHandled = (message: string, hint?: string) =>
        warn(job.pointer, "CF_JOB_NOT_HANDLED", message, hint);
      checkJobFlow(job, { set, knownTypes, configLabel, problem, notHandled });
    }
    if (first !== undefined) reportSettingProblems(set, jobs, first, configLabel, report);
    // Jobs whose flow exists: a declared one has no handler yet to take over.
    const owned = jobs
      .map((j) => ({ ...j, name: j.job, flow: path.basename(j.file, ".json") }))
      .filter((j) => set.flows.has(j.flow));
    for (const stray of strayEntries(set.flows, owned)) {
      const owner = jobs.find((j) => j.key === `${stray.job.queue}/${stray.job.name}`);
      if (owner) report(owner.pointer, "CF_FLOW_INVALID", stray.message);
    }
  };
}

/** The set with settings saved under old names moved to their new ones (as the runtime loads them). */
function withNewSettingNames(set: FlowFileSet): FlowFileSet {
  const flows = new Map<string, readonly NodeRedNode[]>();
  for (const [id, nodes] of set.flows) flows.set(id, renameOldNodeSettings(nodes).nodes);
  return { ...set, flows, config: renameOldNodeSettings(set.config).nodes };
}

/** Settings problems of every flow file: at the job whose flow it is, else at the first job. */
function reportSettingProblems(
  set: FlowFileSet,
  jobs: readonly JobFlow[],
  first: JobFlow,
  configLabel: string,
  report: Reporter,
): void {
  const files: [string, readonly NodeRedNode[]][] = [
    ...[...set.flows].map(([id, nodes]): [string, readonly NodeRedNode[]] => [id, nodes]),
    [CONFIG_FILE, set.config],
  ];
  for (const [id, nodes] of files) {
    const job = jobs.find((j) => path.basename(j.file, ".json") === id);
    const owner = job ?? first;
    const label =
      id === CONFIG_FILE
        ? configLabel
        : `${path.dirname(first.label)}/${id}.json`.replace(/^\.\//, "");
    const subject = job ? `flow file ${label} (of ${job.key})` : `flow file ${label}`;
    for (const p of checkNodeSettings(nodes))
      report(
        owner.pointer,
        "CF_FLOW_INVALID",
        `${subject}: ${describeNode(p.node)}: setting "${p.setting}" ${p.message}`,
        "correct the setting in the editor, or in the flow file",
      );
  }
}

function enabledJobFlows(manifest: ManifestDocument, flowsDir: string, dir: string): JobFlow[] {
  const flows: JobFlow[] = [];
  for (const [queue, spec] of Object.entries(manifest.queues)) {
    for (const [job, jobSpec] of Object.entries(spec.jobs)) {
      if (jobSpec.enabled === false) continue;
      const file = path.join(flowsDir, `${jobSpec.flow}.json`);
      const pointer = `/queues/${escapePointer(queue)}/jobs/${escapePointer(job)}/flow`;
      flows.push({
        key: `${queue}/${job}`,
        queue,
        job,
        file,
        label: relativeLabel(dir, file),
        pointer,
      });
    }
  }
  return flows;
}

/** `_config.json` is shared by every flow: its problems are reported once, at the first enabled job. */
function reportConfigProblems(
  set: FlowFileSet,
  configFile: string,
  configLabel: string,
  first: JobFlow,
  report: Reporter,
): void {
  for (const p of set.problems.filter((p) => p.file === configFile))
    report(
      first.pointer,
      "CF_FLOW_INVALID",
      `${configLabel}${at(p)} ${SHARED}${joint(p)}${p.message}`,
    );
}

/** The checks of one enabled job's flow in `context.set`; each problem goes to `context.problem`. */
export function checkJobFlow(job: JobFlow, context: CheckContext): void {
  const subject = `flow file ${job.label} (of ${job.key})`;
  const fileProblems = context.set.problems.filter((p) => p.file === job.file);
  for (const p of fileProblems)
    context.problem(`flow file ${job.label}${at(p)} (of ${job.key})${joint(p)}${p.message}`);
  if (fileProblems.length > 0) return;
  const nodes = context.set.flows.get(path.basename(job.file, ".json"));
  if (nodes === undefined) {
    context.notHandled(
      `${job.key} is declared, not handled: ${subject} does not exist yet`,
      `create it in the editor (a tab labelled "${path.basename(job.file, ".json")}" with a "job in" node for ${job.key}) and deploy, or correct the flow name; until then nothing runs the job and enqueueing it is refused`,
    );
    return;
  }
  const tab = nodes.find((n) => n.type === "tab");
  if (tab?.disabled === true)
    context.problem(
      `${subject} is disabled`,
      "enable the flow in the editor, or set enabled: false on the job",
    );
  checkJobIn(job, subject, nodes, context);
  checkJobOut(job, subject, nodes, context);
  checkTypes(subject, nodes, context);
  checkLoops(subject, nodes, context);
}

function checkLoops(subject: string, nodes: readonly NodeRedNode[], context: CheckContext): void {
  const loop = findUnbrokenLoop(nodes);
  if (!loop) return;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const names = loop.map((id) => {
    const node = byId.get(id);
    return typeof node?.name === "string" && node.name !== ""
      ? `"${node.name}"`
      : (node?.type ?? id);
  });
  context.problem(
    `${subject} loops (${names.join(" → ")}) without a delay or trigger node`,
    "messages pass between nodes synchronously: put a delay node in the loop, or remove the loop",
  );
}

function checkJobIn(
  job: JobFlow,
  subject: string,
  nodes: readonly NodeRedNode[],
  context: CheckContext,
): void {
  const entries = nodes.filter((n) => n.type === JOB_IN && n.d !== true);
  const [entry] = entries;
  if (entry === undefined) {
    const disabled = nodes.some((n) => n.type === JOB_IN);
    context.problem(
      `${subject} has no ${disabled ? "enabled " : ""}"job in" node`,
      `add a "job in" node for ${job.key}`,
    );
  } else if (entries.length > 1) {
    const list = entries.map((n) => `${n.id} for ${handledJob(n)}`).join(", ");
    context.problem(
      `${subject} has ${entries.length} "job in" nodes (${list})`,
      `keep one "job in" node, for ${job.key}`,
    );
  } else if (entry.queue !== job.queue || entry.job !== job.job) {
    context.problem(
      `${subject}: its "job in" node ${entry.id} handles ${handledJob(entry)}`,
      `set the node's queue to ${job.queue} and its job to ${job.job}`,
    );
  }
}

function handledJob(node: NodeRedNode): string {
  const show = (value: unknown) => (typeof value === "string" && value !== "" ? value : "(none)");
  return `${show(node.queue)}/${show(node.job)}`;
}

function checkJobOut(
  job: JobFlow,
  subject: string,
  nodes: readonly NodeRedNode[],
  context: CheckContext,
): void {
  if (nodes.some((n) => n.type === JOB_OUT && n.d !== true)) return;
  context.problem(
    `${subject} has no "job out" node`,
    `add a "job out" node where the flow ends, so that runs of ${job.key} complete`,
  );
}

const SUBFLOW_MISSING = "which is not in";

/**
 * Whether a problem (its message, as these checks word it) stops every flow, not only one: a node
 * type Node-RED does not have (it then starts no flow at all, waiting for the type), or a
 * `_config.json` that does not load (the config nodes and subflows every flow may use).
 */
export function stopsEveryFlow(message: string): boolean {
  return (
    message.includes(NOT_INSTALLED) ||
    message.includes(SHARED) ||
    / uses subflow \S+, which is not in /.test(message)
  );
}

/** Types of the flow's nodes and of the `_config.json` nodes it uses (config nodes, subflows). */
function checkTypes(subject: string, nodes: readonly NodeRedNode[], context: CheckContext): void {
  const subflows = new Set(context.set.config.filter((n) => n.type === "subflow").map((n) => n.id));
  const used = [...nodes, ...usedConfigNodes(nodes, context.set.config)];
  const flowIds = new Set(nodes.map((n) => n.id));
  for (const node of used) {
    const where = flowIds.has(node.id) ? "" : ` in ${context.configLabel}`;
    const subflow = SUBFLOW_INSTANCE.exec(node.type)?.[1];
    if (subflow !== undefined) {
      if (!subflows.has(subflow))
        context.problem(
          `${subject}: ${describeNode(node)}${where} uses subflow ${subflow}, ${SUBFLOW_MISSING} ${context.configLabel}`,
          "import the subflow again, or remove the node",
        );
    } else if (!context.knownTypes.has(node.type)) {
      context.problem(
        `${subject}: ${describeNode(node)}${where} ${NOT_INSTALLED}`,
        optionalNodeHint(node.type) ??
          didYouMean(node.type, [...context.knownTypes]) ??
          `install the node module that provides "${node.type}", or remove the node`,
      );
    }
  }
}

/** The `_config.json` nodes a flow reaches: config nodes named by a property, subflows it instantiates, transitively. */
function usedConfigNodes(
  nodes: readonly NodeRedNode[],
  config: readonly NodeRedNode[],
): NodeRedNode[] {
  const byId = new Map(config.map((n) => [n.id, n]));
  const reached = new Map<string, NodeRedNode>();
  const pending = [...nodes];
  const reach = (node: NodeRedNode | undefined) => {
    if (node === undefined || reached.has(node.id)) return;
    reached.set(node.id, node);
    pending.push(node);
    if (node.type === "subflow") for (const inner of config) if (inner.z === node.id) reach(inner);
  };
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    for (const value of Object.values(node)) if (typeof value === "string") reach(byId.get(value));
    reach(byId.get(SUBFLOW_INSTANCE.exec(node.type)?.[1] ?? ""));
  }
  return [...reached.values()];
}

/** A problem about a node is a sentence of its own ("node … has …"); one about the file goes on from its name. */
function joint(problem: FlowFileProblem): string {
  return problem.nodeId === undefined ? " " : ": ";
}

function at(problem: FlowFileProblem): string {
  return problem.line === undefined ? "" : `:${problem.line}:${problem.col ?? 1}`;
}

function relativeLabel(dir: string, file: string): string {
  const relative = path.relative(dir, file);
  return relative.startsWith("..") || path.isAbsolute(relative)
    ? file
    : relative.split(path.sep).join("/");
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}
