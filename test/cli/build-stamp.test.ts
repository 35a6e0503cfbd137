// `npm start` builds only when a build input changed: scripts/build-stamp.js, run on a copy of its
// own in a folder of inputs, and the npm scripts that use it.
import { spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli";

let dir: string;

function stamp(mode: "begin" | "end" | "check"): number | null {
  return spawnSync(process.execPath, [path.join(dir, "scripts/build-stamp.js"), mode]).status;
}

/** A successful build, as `npm run build` brackets it. */
function build(): void {
  expect(stamp("begin")).toBe(0);
  expect(stamp("end")).toBe(0);
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "chatia-build-stamp-"));
  mkdirSync(path.join(dir, "scripts"));
  cpSync(path.join(ROOT, "scripts/build-stamp.js"), path.join(dir, "scripts/build-stamp.js"));
  mkdirSync(path.join(dir, "runtime/manifest"), { recursive: true });
  writeFileSync(path.join(dir, "runtime/manifest/a.ts"), "export const a = 1;\n");
  writeFileSync(path.join(dir, "tsconfig.json"), "{}\n");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the build stamp", () => {
  it("asks for a build before the first one, and not after it", () => {
    expect(stamp("check")).toBe(1);
    build();
    expect(stamp("check")).toBe(0);
  });

  it("asks for a build after a source is edited, added or removed", () => {
    build();
    const a = path.join(dir, "runtime/manifest/a.ts");
    const later = new Date(Date.now() + 5_000);
    utimesSync(a, later, later);
    expect(stamp("check")).toBe(1);
    build();
    writeFileSync(path.join(dir, "runtime/b.ts"), "export const b = 2;\n");
    expect(stamp("check")).toBe(1);
    build();
    rmSync(path.join(dir, "runtime/b.ts"));
    expect(stamp("check")).toBe(1);
    build();
    writeFileSync(path.join(dir, "tsconfig.json"), '{ "compilerOptions": {} }\n');
    expect(stamp("check")).toBe(1);
  });

  it("asks for a build after one that did not finish", () => {
    build();
    expect(stamp("begin")).toBe(0);
    expect(stamp("check")).toBe(1);
  });

  it("is what npm start checks, and what every build writes", () => {
    const { scripts } = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(scripts.prestart).toBe("node scripts/build-stamp.js check || npm run build");
    expect(scripts.build).toMatch(
      /^node scripts\/build-stamp\.js begin && .* && node scripts\/build-stamp\.js end$/,
    );
    expect(scripts.test).toMatch(/^npm run build && /);
  });
});
