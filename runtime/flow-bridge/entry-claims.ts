// A job has one handler. A `job in` node for a job that another flow handles would take that job
// over (the dispatcher hands each job to one entry: the one started last), so `validate` and every
// deploy refuse it. Disabled nodes and nodes of disabled tabs do not run, and claim nothing.
import { describeNode, type NodeRedNode } from "../adapters/node-red/flow-format";

/** A job and the flow that handles it. */
export interface OwnedJob {
  readonly queue: string;
  readonly name: string;
  readonly flow: string;
}

/** A `job in` outside its job's flow. */
export interface StrayEntry {
  readonly flow: string;
  readonly node: NodeRedNode;
  readonly job: OwnedJob;
  /** A sentence naming the flow, the node, the job and its flow, and what to do. */
  readonly message: string;
}

export function strayEntries(
  flows: ReadonlyMap<string, readonly NodeRedNode[]>,
  jobs: readonly OwnedJob[],
): StrayEntry[] {
  const byKey = new Map(jobs.map((j) => [`${j.queue}/${j.name}`, j]));
  const strays: StrayEntry[] = [];
  for (const [flow, nodes] of flows) {
    if (nodes.some((n) => n.type === "tab" && n.disabled === true)) continue;
    for (const node of nodes) {
      if (node.type !== "job in" || node.d === true) continue;
      const job = byKey.get(`${String(node.queue)}/${String(node.job)}`);
      if (job === undefined || job.flow === flow) continue;
      const key = `${job.queue}/${job.name}`;
      strays.push({
        flow,
        node,
        job,
        message: `flow ${flow}, ${describeNode(node, "'")}: handles ${key}, which flow ${job.flow} handles already; point it at another job, or delete it (a job has one flow)`,
      });
    }
  }
  return strays;
}
