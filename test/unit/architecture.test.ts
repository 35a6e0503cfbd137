// The one-way path (.dependency-cruiser.cjs) is checked by `npm run lint`: the shipped tree passes,
// and each kind of wrong import is refused. The wrong imports are written into a scratch tree laid
// out like the repository's and cruised with the repository's own rules.
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/repo-fixture";

const DEPCRUISE = path.join(REPO_ROOT, "node_modules", ".bin", "depcruise");

interface Violation {
  readonly rule: string;
  readonly from: string;
}

/** Runs depcruise as `npm run lint` does; its exit code and the violations it printed. */
function cruise(cwd: string): { code: number | null; violations: Violation[] } {
  const result = spawnSync(
    DEPCRUISE,
    ["runtime", "nodes", "--config", ".dependency-cruiser.cjs", "--output-type", "err"],
    { cwd, encoding: "utf8", timeout: 120_000 },
  );
  if (result.error) throw result.error;
  if (result.stderr.includes("ERROR")) throw new Error(result.stderr);
  const violations = [...result.stdout.matchAll(/^\s*error ([\w-]+): (\S+) →/gm)].map((m) => ({
    rule: m[1] as string,
    from: m[2] as string,
  }));
  return { code: result.status, violations };
}

describe("the README's folder map", () => {
  it("lists every folder of runtime/ and only folders that exist", async () => {
    const readme = await readFile(path.join(REPO_ROOT, "README.md"), "utf8");
    const section = readme.split("\n## Architecture\n")[1]?.split("\n## ")[0] ?? "";
    // The section's code blocks: the job's path, then the folder map (lines "runtime/<folder>/ …").
    const blocks = section.split("```").filter((_, i) => i % 2 === 1);
    const map = blocks.find((b) => /^runtime\//m.test(b)) ?? "";
    const listed = [...map.matchAll(/^(\S+\/)\s/gm)].map((m) => m[1] as string);
    expect(listed.length).toBeGreaterThan(0);
    for (const folder of listed)
      expect((await stat(path.join(REPO_ROOT, folder))).isDirectory(), folder).toBe(true);
    const folders = (await readdir(path.join(REPO_ROOT, "runtime"), { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => `runtime/${e.name}/`);
    expect(listed.filter((f) => /^runtime\/[^/]+\/$/.test(f)).sort()).toEqual(folders.sort());
    const adapters = await readdir(path.join(REPO_ROOT, "runtime", "adapters"));
    const adaptersLine = map.split("\n").find((l) => l.startsWith("runtime/adapters/")) ?? "";
    for (const adapter of adapters) expect(adaptersLine, adapter).toContain(adapter);
  });

  it("names every rule of .dependency-cruiser.cjs", async () => {
    const readme = await readFile(path.join(REPO_ROOT, "README.md"), "utf8");
    const { forbidden } = require(path.join(REPO_ROOT, ".dependency-cruiser.cjs")) as {
      forbidden: { name: string }[];
    };
    for (const { name } of forbidden) expect(readme, name).toContain(`\`${name}\``);
  });
});

describe("the dependency rules", () => {
  // depcruise takes a few seconds per run, more on a loaded machine.
  const CRUISE_MS = 120_000;

  it(
    "pass on the repository's tree",
    () => {
      const { code, violations } = cruise(REPO_ROOT);
      expect(violations).toEqual([]);
      expect(code).toBe(0);
    },
    CRUISE_MS,
  );

  describe("refuse an import against the direction", () => {
    let scratch: string;
    /** Files of the scratch tree: path → content. */
    const files: Record<string, string> = {
      // What the wrong imports point at.
      "runtime/errors.ts": "export const E = 1;\n",
      "runtime/services/ports/user-store.ts": "export interface UserStore { idle(): number }\n",
      "runtime/services/user.service.ts":
        'import type { UserStore } from "./ports/user-store";\nexport const s = (u: UserStore) => u.idle();\n',
      "runtime/adapters/db/repositories/user-store.ts":
        'import type { UserStore } from "../../../services/ports/user-store";\nexport class SqlUserStore implements UserStore { idle() { return 0; } }\n',
      "runtime/queues/queue-runtime.ts": "export class QueueRuntime {}\n",
      "nodes/shared/chatia-context.ts": 'export const SETTINGS_KEY = "chatia";\n',
      "runtime/app/runtime.ts":
        'import { SqlUserStore } from "../adapters/db/repositories/user-store";\nimport { s } from "../services/user.service";\nexport const started = s(new SqlUserStore());\n',
      "node_modules/bull/package.json":
        '{ "name": "bull", "version": "4.0.0", "main": "index.js" }\n',
      "node_modules/bull/index.js": "module.exports = function Queue() {};\n",
      "tsconfig.json":
        '{ "compilerOptions": { "module": "commonjs", "target": "es2022", "strict": true } }\n',
      // The repository's rules, with this tree's tsconfig.
      ".dependency-cruiser.cjs": `const rules = require(${JSON.stringify(path.join(REPO_ROOT, ".dependency-cruiser.cjs"))});\nmodule.exports = { ...rules, options: { ...rules.options, tsConfig: { fileName: "tsconfig.json" } } };\n`,
    };
    const wrong: { file: string; text: string; rule: string }[] = [
      {
        file: "runtime/services/billing.service.ts",
        text: 'import type { SqlUserStore } from "../adapters/db/repositories/user-store";\nexport type T = SqlUserStore;\n',
        rule: "services-see-only-ports",
      },
      {
        file: "runtime/adapters/socket/emitter.ts",
        text: 'import { s } from "../../services/user.service";\nexport const e = s;\n',
        rule: "adapters-implement-ports",
      },
      {
        file: "nodes/enqueue-job/enqueue-job.ts",
        text: 'import type { QueueRuntime } from "../../runtime/queues/queue-runtime";\nexport type Q = QueueRuntime;\n',
        rule: "nodes-through-the-node-context",
      },
      {
        file: "runtime/http/routes/queues-router.ts",
        text: 'import Bull from "bull";\nexport const b = Bull;\n',
        rule: "bull-inside-its-adapter",
      },
      {
        file: "runtime/tenancy/owned-jobs.ts",
        text: 'import { SqlUserStore } from "../adapters/db/repositories/user-store";\nexport const o = SqlUserStore;\n',
        rule: "adapters-only-from-the-root",
      },
      {
        file: "runtime/compile/compile.ts",
        text: 'import { started } from "../app/runtime";\nexport const c = started;\n',
        rule: "app-is-the-composition-root",
      },
    ];

    beforeAll(async () => {
      scratch = await mkdtemp(path.join(tmpdir(), "chatia-depcruise-"));
      for (const [file, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(scratch, file)), { recursive: true });
        await writeFile(path.join(scratch, file), text);
      }
    });
    afterAll(async () => {
      await rm(scratch, { recursive: true, force: true });
    });

    it(
      "passes the scratch tree while it imports in the direction",
      () => {
        const { code, violations } = cruise(scratch);
        expect(violations).toEqual([]);
        expect(code).toBe(0);
      },
      CRUISE_MS,
    );

    it.each(wrong)(
      "$file: $rule",
      async ({ file, text, rule }) => {
        const full = path.join(scratch, file);
        await mkdir(path.dirname(full), { recursive: true });
        await writeFile(full, text);
        try {
          const { code, violations } = cruise(scratch);
          expect(code).not.toBe(0);
          expect(violations.map((v) => v.rule)).toContain(rule);
          expect(violations.every((v) => v.from === file)).toBe(true);
        } finally {
          await rm(full);
        }
      },
      CRUISE_MS,
    );
  });
});
