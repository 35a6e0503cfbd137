// How a flow looks in the editor, computed without one: each node's box from its label and its
// type's ports (Node-RED 4.1's own sizing rule, with a generous text width), the overlaps between
// boxes, and a left-to-right layout (each node one column right of the nodes wired into it) for
// flows written by hand.
import type { NodeRedNode } from "./flow-format";
import type { NodePorts } from "./node-types";

/** Each node type's ports (listNodePorts); a type it lacks is guessed from the node's wires. */
export type PortsByType = ReadonlyMap<string, NodePorts>;

export interface NodeBox {
  readonly id: string;
  readonly label: string;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  /** Below the node and the row of its status badge. */
  readonly bottom: number;
  /** Where the badge row ends: past `right` when a known badge is wider than the node. */
  readonly badgeRight: number;
}

/** Width of a label's text at the editor's 14px font; errs wide (7.6 px is a typical average). */
const CHAR_WIDTH = 8.5;
const MIN_WIDTH = 100;
const HEIGHT = 30;
/** Room under a node for its status badge (dot and text), which must not run into the next row. */
const BADGE = 22;
/** A badge's text starts 26 px right of its node's left edge (dot and gap), at the editor's 11px font. */
const BADGE_TEXT_LEFT = 26;
const BADGE_CHAR_WIDTH = 7.5;

/**
 * The status badge a node shows whatever the data, when known without running it: a `job in`
 * shows its queue/job. Other badges (counts) are short and change as jobs run.
 */
function knownBadge(node: NodeRedNode): string | undefined {
  return node.type === "job in" && typeof node.queue === "string" && typeof node.job === "string"
    ? `${node.queue}/${node.job}`
    : undefined;
}

/** The label the editor shows: the name, else the type (our nodes' and most core nodes' fallback). */
export function nodeLabel(node: NodeRedNode): string {
  return typeof node.name === "string" && node.name !== "" ? node.name : node.type;
}

/**
 * Node-RED's sizing rule: width max(100, 20·⌈(text + 50 + 7 when it has an input) / 20⌉), height
 * max(30, 6 + 24 per label line, 15 per output port — wired or not, and a saved file leaves out
 * trailing unwired ports); x, y are the centre.
 */
export function nodeBox(node: NodeRedNode, ports?: PortsByType): NodeBox {
  const label = nodeLabel(node);
  const lines = label.split("\\n ");
  const declared = ports?.get(node.type);
  const hasInput = declared
    ? declared.inputs > 0
    : !["job in", "catch", "status", "complete", "inject", "comment"].includes(node.type);
  const text = Math.max(...lines.map((line) => line.length)) * CHAR_WIDTH;
  const width = Math.max(MIN_WIDTH, 20 * Math.ceil((text + 50 + (hasInput ? 7 : 0)) / 20));
  const wired = Array.isArray(node.wires) ? node.wires.length : 0;
  const outputs =
    typeof node.outputs === "number" ? node.outputs : Math.max(declared?.outputs ?? 0, wired);
  const height = Math.max(HEIGHT, 6 + 24 * lines.length, outputs * 15);
  const x = Number(node.x);
  const y = Number(node.y);
  const badge = knownBadge(node);
  const left = x - width / 2;
  return {
    id: node.id,
    label,
    left,
    right: x + width / 2,
    top: y - height / 2,
    bottom: y + height / 2 + (node.type === "comment" ? 0 : BADGE),
    badgeRight: Math.max(
      x + width / 2,
      badge === undefined ? 0 : left + BADGE_TEXT_LEFT + badge.length * BADGE_CHAR_WIDTH,
    ),
  };
}

/** A node's box as two rectangles: the node (with its badge row below it), and the badge row alone. */
function rectangles(box: NodeBox): { left: number; right: number; top: number; bottom: number }[] {
  return [
    box,
    { left: box.left, right: box.badgeRight, top: box.bottom - BADGE, bottom: box.bottom },
  ];
}

/** The nodes of a tab the editor draws as boxes (not the tab, nor config nodes without a position). */
export function drawnNodes(nodes: readonly NodeRedNode[]): NodeRedNode[] {
  return nodes.filter(
    (n) => n.type !== "tab" && typeof n.x === "number" && typeof n.y === "number",
  );
}

/** Every pair of drawn nodes whose boxes overlap, as `"label A" / "label B"`. */
export function overlaps(nodes: readonly NodeRedNode[], ports?: PortsByType): string[] {
  const boxes = drawnNodes(nodes).map((n) => nodeBox(n, ports));
  const found: string[] = [];
  const meet = (a: NodeBox, b: NodeBox) =>
    rectangles(a).some((p) =>
      rectangles(b).some(
        (q) => p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom,
      ),
    );
  boxes.forEach((a, i) => {
    for (const b of boxes.slice(i + 1)) if (meet(a, b)) found.push(`"${a.label}" / "${b.label}"`);
  });
  return found;
}

/** Wires that go right to left (a target whose box starts left of its source's end). */
export function backwardWires(nodes: readonly NodeRedNode[], ports?: PortsByType): string[] {
  const byId = new Map(drawnNodes(nodes).map((n) => [n.id, n]));
  const found: string[] = [];
  for (const source of byId.values()) {
    for (const targetId of targets(source)) {
      const target = byId.get(targetId);
      if (target && nodeBox(target, ports).left <= nodeBox(source, ports).right)
        found.push(`"${nodeLabel(source)}" → "${nodeLabel(target)}"`);
    }
  }
  return found;
}

function targets(node: NodeRedNode): string[] {
  return Array.isArray(node.wires) ? (node.wires as unknown[][]).flat().map(String) : [];
}

const COLUMN_GAP = 60;
const ROW_HEIGHT = 80;
const LEFT = 40;
const TOP = 120;
const COMMENT_ROW = 40;

/**
 * The nodes placed left to right: a node's column is one more than the furthest of the nodes wired
 * into it (back wires of a loop are ignored), a column is as wide as its widest node, and a node
 * keeps to the row of its first predecessor when free; comments go in a row above. Only `x` and
 * `y` change; nodes without a position are returned as they are.
 */
export function layoutFlow(nodes: readonly NodeRedNode[], ports?: PortsByType): NodeRedNode[] {
  const drawn = drawnNodes(nodes);
  const comments = drawn.filter((n) => n.type === "comment");
  const wired = drawn.filter((n) => n.type !== "comment");
  const columns = columnsOf(wired);
  const place = new Map<string, { x: number; y: number }>();
  const rowOf = new Map<string, number>();
  const predecessors = new Map<string, string[]>();
  for (const n of wired)
    for (const t of targets(n)) predecessors.set(t, [...(predecessors.get(t) ?? []), n.id]);
  let left = LEFT;
  for (const column of columns) {
    const boxes = column.map((n) => nodeBox({ ...n, x: 0, y: 0 }, ports));
    const width = Math.max(...boxes.map((b) => b.right * 2));
    // How far right of the column's centre a node or its badge reaches.
    const reach = Math.max(width / 2, ...boxes.map((b) => b.badgeRight));
    const taken = new Set<number>();
    for (const n of column) {
      const wanted = Math.min(
        ...(predecessors.get(n.id) ?? []).map((p) => rowOf.get(p) ?? 0),
        Infinity,
      );
      let row = Number.isFinite(wanted) ? wanted : 0;
      while (taken.has(row)) row += 1;
      taken.add(row);
      rowOf.set(n.id, row);
      place.set(n.id, { x: Math.round(left + width / 2), y: TOP + row * ROW_HEIGHT });
    }
    left += width / 2 + reach + COLUMN_GAP;
  }
  let commentLeft = LEFT;
  for (const c of comments) {
    const width = nodeBox({ ...c, x: 0, y: 0 }, ports).right * 2;
    place.set(c.id, { x: Math.round(commentLeft + width / 2), y: COMMENT_ROW });
    commentLeft += width + COLUMN_GAP;
  }
  return nodes.map((n) => {
    const at = place.get(n.id);
    return at ? { ...n, x: at.x, y: at.y } : n;
  });
}

/** Wired nodes by column (longest path from a node nothing is wired into), each in its old top-down order. */
function columnsOf(nodes: readonly NodeRedNode[]): NodeRedNode[][] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const incoming = new Set(nodes.flatMap(targets));
  const visit = (node: NodeRedNode, d: number) => {
    if (visiting.has(node.id) || (depth.get(node.id) ?? -1) >= d) return;
    depth.set(node.id, d);
    visiting.add(node.id);
    for (const t of targets(node)) {
      const next = byId.get(t);
      if (next) visit(next, d + 1);
    }
    visiting.delete(node.id);
  };
  const ordered = [...nodes].sort((a, b) => Number(a.y) - Number(b.y) || Number(a.x) - Number(b.x));
  for (const n of ordered) if (!incoming.has(n.id)) visit(n, 0);
  for (const n of ordered) if (!depth.has(n.id)) visit(n, 0);
  const columns: NodeRedNode[][] = [];
  for (const n of ordered) {
    const d = depth.get(n.id) ?? 0;
    columns[d] = [...(columns[d] ?? []), n];
  }
  return columns.filter((c) => c !== undefined);
}
