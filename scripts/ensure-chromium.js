// `npm test` runs the browser tests in Debian's Chromium (playwright-core downloads no browser).
// Before the tests: when the browser is missing, install it if this user can (root with apt-get),
// else stop with one line saying what to install — browser tests are never skipped silently.
"use strict";
const { existsSync } = require("node:fs");
const { execFileSync } = require("node:child_process");

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

function canInstall() {
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  return root && !process.env.CHROMIUM_PATH && existsSync("/usr/bin/apt-get");
}

if (!existsSync(CHROMIUM)) {
  if (!canInstall()) {
    console.error(
      `npm test needs Chromium at ${CHROMIUM} for the browser tests: install it (Debian: sudo apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary`,
    );
    process.exit(1);
  }
  console.error("chromium is missing: installing Debian's chromium (apt-get install chromium)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env });
  if (!existsSync(CHROMIUM)) {
    console.error(`apt-get installed chromium but ${CHROMIUM} does not exist; set CHROMIUM_PATH`);
    process.exit(1);
  }
}
