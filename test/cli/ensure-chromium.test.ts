// `npm test`'s pretest on a machine of each kind, simulated by PATH: a PATH with no chromium is a
// machine without the browser; a fake apt-get on it records what it was asked and "installs"
// chromium into that PATH. With the browser there, it passes silently; missing, as root with
// apt-get, it installs Debian's package; otherwise (not root, no apt-get, apt-get failing,
// CHROMIUM_PATH naming nothing) it stops with one line saying what to install and a non-zero exit.
// The browser tests' helper looks where the pretest looks.
import { spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findChromium } from "../../scripts/find-chromium";
import { CHROMIUM } from "../helpers/browser";

const SCRIPT = path.resolve(__dirname, "../../scripts/ensure-chromium.js");
const NOBODY = 65534;

let dir: string;
let bin: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "ensure-chromium-"));
  await chmod(dir, 0o755);
  bin = path.join(dir, "bin");
  await mkdir(bin, { mode: 0o755 });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fake apt-get on `bin`: logs its arguments; `install` writes an executable chromium beside it. */
async function fakeAptGet(exitCode = 0): Promise<void> {
  const script = [
    "#!/bin/sh",
    `echo "$*" >> ${dir}/apt-get.log`,
    exitCode === 0 ? "" : `echo "E: Unable to locate package chromium" >&2; exit ${exitCode}`,
    `if [ "$1" = install ]; then printf '#!/bin/sh\\n' > ${bin}/chromium; /bin/chmod 755 ${bin}/chromium; fi`,
  ].join("\n");
  await writeFile(path.join(bin, "apt-get"), `${script}\n`, { mode: 0o755 });
}

const aptCalls = async (): Promise<string[]> =>
  (await readFile(path.join(dir, "apt-get.log"), "utf8").catch(() => ""))
    .split("\n")
    .filter(Boolean);

function pretest(env: NodeJS.ProcessEnv, uid?: number) {
  const { CHROMIUM_PATH: _ignored, ...rest } = process.env;
  return spawnSync(process.execPath, [SCRIPT], {
    env: { ...rest, PATH: bin, ...env },
    encoding: "utf8",
    ...(uid !== undefined && { uid, gid: uid }),
  });
}

/** stderr's lines. */
const lines = (stderr: string): string[] => stderr.trim().split("\n");

describe("ensure-chromium (npm pretest)", () => {
  it("passes silently when chromium is on PATH", async () => {
    await writeFile(path.join(bin, "chromium"), "#!/bin/sh\n", { mode: 0o755 });
    await fakeAptGet();
    const result = pretest({});
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(await aptCalls()).toEqual([]);
  });

  it("passes silently on this machine (its chromium, as the browser helper finds it)", () => {
    expect(CHROMIUM.found).toBe(true);
    const result = spawnSync(process.execPath, [SCRIPT], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("installs Debian's chromium when it is missing and root has apt-get", async () => {
    await fakeAptGet();
    const result = pretest({});
    expect(lines(result.stderr)).toEqual([
      "chromium is missing: installing Debian's chromium (apt-get install chromium)",
    ]);
    expect(result.status).toBe(0);
    expect(await aptCalls()).toEqual(["update -qq", "install -y -qq chromium"]);
    expect(findChromium({ PATH: bin })).toEqual({ path: path.join(bin, "chromium"), found: true });
  });

  it("stops with one line when it is missing and the user is not root", async () => {
    await fakeAptGet();
    const result = pretest({}, NOBODY);
    expect(lines(result.stderr)).toEqual([
      "npm test needs Chromium for the browser tests (no chromium on PATH): not root, so not installed here; as root: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary",
    ]);
    expect(result.status).toBe(1);
    expect(await aptCalls()).toEqual([]);
  });

  it("stops with one line when it is missing and there is no apt-get", () => {
    const result = pretest({});
    expect(lines(result.stderr)).toEqual([
      "npm test needs Chromium for the browser tests (no chromium on PATH): no apt-get on this machine; install chromium with its package manager or set CHROMIUM_PATH to a Chromium binary",
    ]);
    expect(result.status).toBe(1);
  });

  it("stops with one line of its own after apt-get's when apt-get fails", async () => {
    await fakeAptGet(100);
    const result = pretest({});
    expect(lines(result.stderr)).toEqual([
      "chromium is missing: installing Debian's chromium (apt-get install chromium)",
      "E: Unable to locate package chromium",
      "npm test needs Chromium for the browser tests (no chromium on PATH): apt-get update failed (exit 100); install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary",
    ]);
    expect(result.status).toBe(1);
  });

  it("stops with one line when CHROMIUM_PATH names no browser (and installs nothing)", async () => {
    await fakeAptGet();
    const result = pretest({ CHROMIUM_PATH: path.join(dir, "nonexistent/chromium") });
    expect(lines(result.stderr)).toEqual([
      `npm test needs Chromium for the browser tests at ${dir}/nonexistent/chromium (CHROMIUM_PATH): install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary`,
    ]);
    expect(result.status).toBe(1);
    expect(await aptCalls()).toEqual([]);
  });
});
