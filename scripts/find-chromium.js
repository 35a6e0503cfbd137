// Where the browser tests find Chromium: CHROMIUM_PATH when set, else `chromium` on PATH (Debian's
// package puts it in /usr/bin). Shared by `npm test`'s pretest (ensure-chromium.js) and the tests'
// browser helper, so that both look in the same place.
"use strict";
const { accessSync, constants, statSync } = require("node:fs");
const path = require("node:path");

/** Where Debian's `chromium` package installs the browser. */
const DEBIAN_CHROMIUM = "/usr/bin/chromium";

/** The first executable file called `name` in the PATH's directories, or undefined. */
function onPath(name, env = process.env) {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not there, or not executable
    }
  }
  return undefined;
}

/** The Chromium to run: `{ path, found }`; when none is found, `path` is where it is expected. */
function findChromium(env = process.env) {
  if (env.CHROMIUM_PATH) {
    const file = env.CHROMIUM_PATH;
    let found = false;
    try {
      accessSync(file, constants.X_OK);
      found = statSync(file).isFile();
    } catch {
      found = false;
    }
    return { path: file, found };
  }
  const file = onPath("chromium", env);
  return file ? { path: file, found: true } : { path: DEBIAN_CHROMIUM, found: false };
}

module.exports = { findChromium, onPath };
