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

/** The exact text of a flow file: 4-space JSON, keys in the order given, a final newline. */
export function formatFlowFile(nodes: readonly NodeRedNode[]): string {
  return `${JSON.stringify(nodes, null, 4)}\n`;
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
    if ((await readIfExists(path.join(dir, name))) === text) unchanged.push(name);
    else changed.push([name, text]);
  }
  for (const [name, text] of changed) await writeDurably(path.join(dir, `${name}.tmp`), text);
  for (const [name] of changed) await rename(path.join(dir, `${name}.tmp`), path.join(dir, name));
  const deleted = await deleteStale(dir, files, options.managed);
  return { written: changed.map(([name]) => name), unchanged, deleted };
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
