// What a worker checks of signed flows before it runs them, besides the signature (flow-sync.ts):
// they split into flow files as a deploy does, every node's type is installed in this worker
// (left-out nodes such as `exec` are not), and the flows pass the checks `validate` runs against
// the worker's manifest (each enabled job's flow, its `job in` and `job out`, loops). Anything
// wrong refuses the whole set; the worker keeps the flows it runs.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { splitNodeRedFlows, writeFlowDir } from "../adapters/node-red/flow-files";
import { describeNode, type NodeRedNode } from "../adapters/node-red/flow-format";
import { STRUCTURAL_TYPES } from "../adapters/node-red/node-types";
import { optionalNodeHint } from "../adapters/node-red/palette";
import { flowChecks } from "../flow-bridge/flow-checks";
import { formatProblem, loadManifest, ManifestError } from "../manifest";

const SUBFLOW_INSTANCE = /^subflow:(.+)$/;

export interface PublishedFlowChecksOptions {
  /** listInstalledNodeTypes with this process's exclusions (palette.ts). */
  readonly knownTypes: ReadonlySet<string>;
  /** The worker's manifest, whose jobs the flows must serve. @defaultValue no manifest check */
  readonly manifestFile?: string;
}

/** The check for FlowSync: problems, one a line; none when the flows may run. */
export function publishedFlowChecks(
  options: PublishedFlowChecksOptions,
): (flows: readonly NodeRedNode[]) => Promise<string[]> {
  return async (flows) => {
    const problems = splitNodeRedFlows(flows).problems.map((p) => p.message);
    problems.push(...typeProblems(flows, options.knownTypes));
    if (problems.length > 0 || options.manifestFile === undefined) return problems;
    return manifestProblems(flows, options.manifestFile, options.knownTypes);
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

/**
 * `validate`'s flow checks on the published flows, written as flow files to a private temp folder
 * (the checks read files, as `validate` does). Only flow problems count: the manifest itself was
 * checked when this worker loaded it.
 */
async function manifestProblems(
  flows: readonly NodeRedNode[],
  manifestFile: string,
  knownTypes: ReadonlySet<string>,
): Promise<string[]> {
  const dir = await mkdtemp(path.join(tmpdir(), "chatia-published-"));
  try {
    await writeFlowDir(dir, splitNodeRedFlows(flows).files);
    await loadManifest(manifestFile, { checks: [flowChecks({ flowsDir: dir, knownTypes })] });
    return [];
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    return err.problems
      .filter((p) => p.code === "CF_FLOW_INVALID")
      .map((p) => formatProblem(p).split(dir).join("(published)"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
