// The node types a flow may use, found without starting Node-RED: `chatia-flow validate` must answer
// in milliseconds. A node is a .html file (its editor registration, `RED.nodes.registerType('x', …)`)
// beside a .js (its runtime registration; for junction only the .js registers). A test compares the
// result with what a started Node-RED reports, so the scan cannot drift.
import type { Dirent } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { readIfExists } from "./durable-file";
import { coreNodesDir } from "./internals";

/** Types a flow file holds that are no node module's: containers of other nodes. */
export const STRUCTURAL_TYPES: readonly string[] = ["tab", "subflow", "group"];

const REGISTER_TYPE = /RED\.nodes\.registerType\(\s*(["'])([^"'\n]+)\1/g;

/**
 * Every type Node-RED 4.1 would register with our nodes installed: the core nodes', those of the nodes
 * (.html files and their scripts) under `extraNodeDirs` (searched recursively; a folder that does not
 * exist adds none), and the structural types; less the nodes whose script is one of `excludedFiles`
 * (Node-RED's nodesExcludes, see palette.ts).
 */
export async function listInstalledNodeTypes(
  extraNodeDirs: readonly string[],
  excludedFiles: readonly string[] = [],
): Promise<Set<string>> {
  const types = new Set<string>(STRUCTURAL_TYPES);
  for (const dir of [coreNodesDir(), ...extraNodeDirs]) {
    for (const file of await htmlFiles(dir)) {
      if (excludedFiles.includes(`${path.basename(file, ".html")}.js`)) continue;
      for (const type of await typesOfNode(file)) types.add(type);
    }
  }
  return types;
}

/** A node type's ports as its editor registration declares them (a node may override `outputs`). */
export interface NodePorts {
  readonly inputs: number;
  readonly outputs: number;
}

const PORTS = /\b(inputs|outputs)\s*:\s*(\d+)/g;

/**
 * Each node type's ports, read from the editor registrations (`RED.nodes.registerType(type, {
 * inputs: 1, outputs: 3, … })`) of the core nodes and those under `extraNodeDirs`: what the editor
 * sizes a node by (a node is as tall as its output ports, drawn whether wired or not).
 */
export async function listNodePorts(
  extraNodeDirs: readonly string[],
): Promise<Map<string, NodePorts>> {
  const ports = new Map<string, NodePorts>();
  for (const dir of [coreNodesDir(), ...extraNodeDirs]) {
    for (const file of await htmlFiles(dir)) {
      const html = await readFile(file, "utf8");
      const registrations = [...html.matchAll(REGISTER_TYPE)];
      registrations.forEach((m, i) => {
        const body = html.slice(m.index, registrations[i + 1]?.index ?? html.length);
        const found: Record<string, number> = {};
        for (const p of body.matchAll(PORTS)) found[p[1] ?? ""] ??= Number(p[2]);
        ports.set(m[2] ?? "", { inputs: found.inputs ?? 0, outputs: found.outputs ?? 0 });
      });
    }
  }
  return ports;
}

/** The types registered by a node's .html and by the script beside it (.js, or .ts in the sources). */
async function typesOfNode(htmlFile: string): Promise<string[]> {
  const base = htmlFile.slice(0, -".html".length);
  const texts = [await readFile(htmlFile, "utf8")];
  const script = (await readIfExists(`${base}.js`)) ?? (await readIfExists(`${base}.ts`));
  if (script !== undefined) texts.push(script);
  return texts.flatMap(registeredTypes);
}

/** The types a node's .html or script registers. */
export function registeredTypes(html: string): string[] {
  return [...html.matchAll(REGISTER_TYPE)].map((m) => m[2] ?? "");
}

async function htmlFiles(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    if (entry.isDirectory()) files.push(...(await htmlFiles(full)));
    else if (entry.isFile() && entry.name.endsWith(".html")) files.push(full);
  }
  return files.sort();
}
