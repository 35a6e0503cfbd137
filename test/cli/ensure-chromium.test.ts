// `npm test`'s pretest: with the browser missing and no way to install it here (CHROMIUM_PATH
// names a browser apt-get would not put there), it stops with one line saying what to install;
// with the browser present it lets the tests run.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CHROMIUM } from "../helpers/browser";

const SCRIPT = path.resolve(__dirname, "../../scripts/ensure-chromium.js");

function run(env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [SCRIPT], {
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
}

describe("ensure-chromium (npm pretest)", () => {
  it("stops with one line saying what to install when the browser is missing", () => {
    const result = run({ CHROMIUM_PATH: "/nonexistent/chromium" });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([
      "npm test needs Chromium at /nonexistent/chromium for the browser tests: install it (Debian: sudo apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary",
    ]);
  });

  it("passes when the browser is there", () => {
    const result = run({ CHROMIUM_PATH: CHROMIUM });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});
