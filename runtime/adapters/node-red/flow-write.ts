// Writes a split deploy to the flows folder so that git sees only real changes: unchanged files are
// not touched, changed ones are replaced atomically, and flow files of deleted tabs are removed.
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { readIfExists, writeDurably } from "./durable-file";
import { isFlowFileName, type NodeRedNode } from "./flow-format";

export interface FlowDirWrite {
  /** File names written because they were new or changed. */
  readonly written: string[];
  /** File names whose content was already the same (left alone: same bytes, same mtime). */
  readonly unchanged: string[];
  /** File names removed because their tab no longer exists. */
  readonly deleted: string[];
}

export interface WriteFlowDirOptions {
  /**
   * The files a deploy may delete when they are not in `files`: those the caller read without problems
   * or wrote. A file it could not read (say, a hand edit that broke the JSON) is never deleted.
   * @defaultValue every `<flow-id>.json` and `_config.json` in the folder
   */
  readonly managed?: Iterable<string>;
}

/**
 * The one text of a flow file, whoever produced its nodes (the editor, the admin API, a hand edit):
 * 4-space JSON and a final newline; nodes in the order given; in each node `id`, `type`, `z`, `g`,
 * `name` / `label` first, position and `wires` last, every other key (at any depth) in alphabetical
 * order; `wires` without trailing empty ports (the editor sends `[[]]` for one unwired output, a
 * file may say `[]`). So equal content gives equal bytes, and a change touches its own lines only.
 */
export function formatFlowFile(nodes: readonly NodeRedNode[]): string {
  return `${JSON.stringify(nodes.map(canonicalNode), null, 4)}\n`;
}

const HEAD_KEYS = ["id", "type", "z", "g", "name", "label"];
const TAIL_KEYS = ["x", "y", "w", "h", "wires"];

function canonicalNode(node: NodeRedNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(node);
  const middle = keys.filter((k) => !HEAD_KEYS.includes(k) && !TAIL_KEYS.includes(k)).sort();
  for (const key of [...HEAD_KEYS, ...middle, ...TAIL_KEYS]) {
    if (!(key in node) || node[key] === undefined) continue;
    out[key] = key === "wires" ? trimWires(node[key]) : sortedKeys(node[key]);
  }
  return out;
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((k) => [k, sortedKeys(record[k])]),
  );
}

function trimWires(wires: unknown): unknown {
  if (!Array.isArray(wires)) return wires;
  const ports = [...wires];
  while (
    ports.length > 0 &&
    Array.isArray(ports.at(-1)) &&
    (ports.at(-1) as unknown[]).length === 0
  )
    ports.pop();
  return ports;
}

/**
 * Writes `files` (name → nodes) into `dir`: every changed file first to `<name>.tmp`, then all are
 * renamed into place (keeping the window in which the folder mixes old and new files short), then stale
 * flow files are deleted. Only `<flow-id>.json` and `_config.json` files are ever written or deleted.
 */
export async function writeFlowDir(
  dir: string,
  files: ReadonlyMap<string, readonly NodeRedNode[]>,
  options: WriteFlowDirOptions = {},
): Promise<FlowDirWrite> {
  for (const name of files.keys())
    if (!isFlowFileName(name)) throw new RangeError(`"${name}" is not a flow file name`);
  await mkdir(dir, { recursive: true });
  const changed: [string, string][] = [];
  const unchanged: string[] = [];
  for (const [name, nodes] of files) {
    const text = formatFlowFile(nodes);
    if (sameContent(await readIfExists(path.join(dir, name)), text)) unchanged.push(name);
    else changed.push([name, text]);
  }
  for (const [name, text] of changed) await writeDurably(path.join(dir, `${name}.tmp`), text);
  for (const [name] of changed) await rename(path.join(dir, `${name}.tmp`), path.join(dir, name));
  const deleted = await deleteStale(dir, files, options.managed);
  return { written: changed.map(([name]) => name), unchanged, deleted };
}

/**
 * Whether a file's text holds the content `canonical` gives: the same bytes, or (a file written by
 * hand or by an older version) the same nodes once put in the canonical form. Such a file is left
 * as it is, so a deploy only ever rewrites the files whose content it changes.
 */
function sameContent(existing: string | undefined, canonical: string): boolean {
  if (existing === undefined) return false;
  if (existing === canonical) return true;
  try {
    return formatFlowFile(JSON.parse(existing) as NodeRedNode[]) === canonical;
  } catch {
    return false;
  }
}

async function deleteStale(
  dir: string,
  files: ReadonlyMap<string, unknown>,
  managed: Iterable<string> | undefined,
): Promise<string[]> {
  const allowed = managed === undefined ? undefined : new Set(managed);
  const present = await readdir(dir);
  const stale = present.filter(
    (name) =>
      isFlowFileName(name) && !files.has(name) && (allowed === undefined || allowed.has(name)),
  );
  for (const name of stale) await rm(path.join(dir, name), { force: true });
  return stale.sort();
}
