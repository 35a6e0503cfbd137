// Loops in a handler flow. Messages pass between nodes synchronously in chatia-flow (see
// runtime/adapters/node-red/embedded.ts), so a loop must yield to the event loop somewhere: through
// a node that waits on a timer (delay, trigger). Otherwise a loop through a node that answers with a
// promise (a JSONata expression, say) would hold the worker's event loop for good.
import type { NodeRedNode } from "../adapters/node-red/flow-files";

/** Node types that hand messages on from a timer, breaking a synchronous loop. */
export const YIELDING_TYPES: ReadonlySet<string> = new Set(["delay", "trigger"]);

/** A cycle of node ids that no yielding node breaks, or undefined when there is none. */
export function findUnbrokenLoop(nodes: readonly NodeRedNode[]): string[] | undefined {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const next = (node: NodeRedNode): string[] => {
    const wired = Array.isArray(node.wires)
      ? (node.wires as unknown[]).flat().filter((w): w is string => typeof w === "string")
      : [];
    const linked =
      node.type === "link out" && Array.isArray(node.links) ? (node.links as string[]) : [];
    return [...wired, ...linked].filter(
      (id) => byId.has(id) && !YIELDING_TYPES.has(byId.get(id)?.type ?? ""),
    );
  };
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === "done") return undefined;
    if (state.get(id) === "open") return [...path.slice(path.indexOf(id)), id];
    state.set(id, "open");
    path.push(id);
    const node = byId.get(id);
    for (const to of node ? next(node) : []) {
      const loop = visit(to);
      if (loop) return loop;
    }
    path.pop();
    state.set(id, "done");
    return undefined;
  };
  for (const node of nodes) {
    if (YIELDING_TYPES.has(node.type)) continue;
    const loop = visit(node.id);
    if (loop) return loop;
  }
  return undefined;
}
