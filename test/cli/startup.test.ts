// `--help` and `validate` load none of the runtime: Node-RED, Bull, Sequelize, Express, ioredis
// and baileys together take over a second to load, and these commands must answer at once.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli";

const HEAVY = [
  "node-red",
  "@node-red",
  "bull",
  "sequelize",
  "express",
  "ioredis",
  "@whiskeysockets",
];

/** The packages under node_modules that running the command with `args` loaded. */
function packagesLoadedBy(args: readonly string[]): string[] {
  const script = `
    const main = require(${JSON.stringify(path.join(ROOT, "dist/runtime/cli/main.js"))});
    const io = { out: () => {}, err: () => {}, exitCode: 0 };
    main.main(["node", "chatia-flow", ...${JSON.stringify(args)}], io).then((code) => {
      const names = new Set();
      for (const file of Object.keys(require.cache)) {
        const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(file);
        if (m) names.add(m[1]);
      }
      console.log(JSON.stringify({ code, names: [...names] }));
    });`;
  const result = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" });
  const { code, names } = JSON.parse(result.stdout) as { code: number; names: string[] };
  expect(code).toBe(0);
  return names;
}

describe("the command line starts light", () => {
  it("--help loads none of the runtime", () => {
    const loaded = packagesLoadedBy(["--help"]);
    expect(loaded).toContain("commander");
    expect(loaded.filter((name) => HEAVY.includes(name))).toEqual([]);
  });

  it("validate loads the manifest's checks and none of the runtime", () => {
    const loaded = packagesLoadedBy(["validate", path.join(ROOT, "jobs.yaml")]);
    expect(loaded).toContain("ajv");
    expect(loaded.filter((name) => HEAVY.includes(name))).toEqual([]);
  });
});
