// The folder of chatia-flow's own package.json, from source (runtime/) or from the build (dist/runtime/).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json")) && !dir.endsWith(`${path.sep}dist`)) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PROJECT_ROOT = findRoot(__dirname);

export const PACKAGE_VERSION: string = JSON.parse(
  readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"),
).version;
