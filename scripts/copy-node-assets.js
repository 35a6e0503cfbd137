// Build step: copy each node's editor files (.html, locales/, icons/) beside its compiled .js.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const src = path.join(__dirname, "..", "nodes");
const dest = path.join(__dirname, "..", "dist", "nodes");

function copy(from, to) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      copy(source, target);
    } else if (!entry.name.endsWith(".ts")) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, target);
    }
  }
}

if (fs.existsSync(src)) copy(src, dest);
