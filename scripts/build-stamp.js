// Lets `npm start` skip the build when nothing it reads has changed since the last one. The stamp
// (dist/.build-stamp.json) lists every build input with its size and mtime: `begin` empties dist/
// and snapshots them before a build, `end` keeps that snapshot once the build succeeded, `check`
// exits 0 only when the inputs are still exactly those (an edit, an added, removed or renamed file
// each make it 1).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const stamp = path.join(root, "dist", ".build-stamp.json");
const pending = `${stamp}.pending`;
const FOLDERS = ["runtime", "nodes"];
const FILES = [
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "scripts/copy-node-assets.js",
  "scripts/build-stamp.js",
];

function listFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full) : [full];
  });
}

/** `{ relative path: "size:mtimeMs" }` of every build input, in a stable order. */
function snapshot() {
  const files = [
    ...FOLDERS.flatMap((folder) => listFiles(path.join(root, folder))),
    ...FILES.map((file) => path.join(root, file)).filter((file) => fs.existsSync(file)),
  ].sort();
  const inputs = {};
  for (const file of files) {
    const stat = fs.statSync(file);
    inputs[path.relative(root, file)] = `${stat.size}:${stat.mtimeMs}`;
  }
  return JSON.stringify(inputs);
}

function read(file) {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

const mode = process.argv[2];
if (mode === "begin") {
  // A build starts from an empty dist/: output of a source since removed must not linger (and ship).
  fs.rmSync(path.dirname(stamp), { recursive: true, force: true });
  fs.mkdirSync(path.dirname(stamp), { recursive: true });
  fs.rmSync(stamp, { force: true });
  fs.writeFileSync(pending, snapshot());
} else if (mode === "end") {
  fs.renameSync(pending, stamp);
} else if (mode === "check") {
  process.exitCode = read(stamp) === snapshot() ? 0 : 1;
} else {
  process.stderr.write("usage: node scripts/build-stamp.js begin|end|check\n");
  process.exitCode = 2;
}
