#!/usr/bin/env node
// Entry point of the `chatia-flow` command; the code lives in dist/ (built by `npm run build`).
"use strict";
process.setSourceMapsEnabled(true);
// Output piped into `head` and the like: a closed pipe ends the command quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}
let cli;
try {
  cli = require("../dist/runtime/cli/main.js");
} catch (err) {
  if (
    err &&
    err.code === "MODULE_NOT_FOUND" &&
    String(err.message).includes("dist/runtime/cli/main.js")
  ) {
    console.error("chatia-flow is not built yet: run `npm run build` (npm install does it too).");
    process.exit(1);
  }
  throw err;
}
cli.main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err?.stack ?? err);
    process.exitCode = 1;
  },
);
