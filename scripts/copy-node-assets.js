// Build step: copy each node's editor files (.html, locales/, icons/) beside its compiled .js. A
// node with a settings declaration (<node>.settings.ts, compiled by tsc before this runs) gets the
// editor's side of it — defaults and validators — written at the top of its .html.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const src = path.join(__dirname, "..", "nodes");
const dest = path.join(__dirname, "..", "dist", "nodes");

function htmlText(source, target) {
  const text = fs.readFileSync(source, "utf8");
  const settings = target.replace(/\.html$/, ".settings.js");
  if (!fs.existsSync(settings)) return text;
  const { editorPrelude } = require(path.join(dest, "shared", "editor-prelude.js"));
  const { declaration } = require(settings);
  return editorPrelude(declaration) + text;
}

function copy(from, to) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      copy(source, target);
    } else if (entry.name.endsWith(".html")) {
      fs.mkdirSync(to, { recursive: true });
      fs.writeFileSync(target, htmlText(source, target));
    } else if (!entry.name.endsWith(".ts")) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, target);
    }
  }
}

if (fs.existsSync(src)) copy(src, dest);
