// `npm test` runs the browser tests in Debian's Chromium (playwright-core downloads no browser).
// Before the tests: when the browser is missing, install it if this user can (root with apt-get
// on PATH), else stop with one line saying what to install — browser tests are never skipped
// silently. Where the browser is looked for: find-chromium.js.
"use strict";
const { execFileSync } = require("node:child_process");
const { findChromium, onPath } = require("./find-chromium");

const WHAT =
  "install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary";

/** Stops `npm test` with one line. */
function stop(line) {
  console.error(line);
  process.exit(1);
}

function main() {
  const chromium = findChromium();
  if (chromium.found) return;
  const where = process.env.CHROMIUM_PATH
    ? `at ${chromium.path} (CHROMIUM_PATH)`
    : "(no chromium on PATH)";
  const need = `npm test needs Chromium for the browser tests ${where}`;
  if (process.env.CHROMIUM_PATH) stop(`${need}: ${WHAT}`);
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (!root) stop(`${need}: not root, so not installed here; as root: ${WHAT}`);
  const apt = onPath("apt-get");
  if (!apt)
    stop(
      `${need}: no apt-get on this machine; install chromium with its package manager or set CHROMIUM_PATH to a Chromium binary`,
    );
  console.error("chromium is missing: installing Debian's chromium (apt-get install chromium)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", "chromium"],
  ]) {
    try {
      execFileSync(apt, args, { stdio: ["ignore", "ignore", "inherit"], env });
    } catch (err) {
      const how = err.status == null ? String(err.message).split("\n")[0] : `exit ${err.status}`;
      stop(`${need}: apt-get ${args[0]} failed (${how}); ${WHAT}`);
    }
  }
  const installed = findChromium();
  if (!installed.found)
    stop(
      `${need}: apt-get installed chromium, but there is none on PATH; set CHROMIUM_PATH to a Chromium binary`,
    );
}

main();
