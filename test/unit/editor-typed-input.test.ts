// Every chatia node's form makes its typed inputs with chatiaTypedInput (editor-typed-input.ts),
// the one place where the `msg` type suggests the handled job's payload fields; the build writes
// it into every node's .html. (The suggestions themselves are shown in a real editor by
// test/browser/add-a-job.test.ts.)
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { NODE_DECLARATIONS } from "../../nodes/node-settings";
import { editorPrelude } from "../../nodes/shared/editor-prelude";
import { PROJECT_ROOT } from "../../runtime/project-root";

const NODES = path.join(PROJECT_ROOT, "nodes");
const forms = readdirSync(NODES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    readdirSync(path.join(NODES, d.name))
      .filter((f) => f.endsWith(".html"))
      .map((f) => path.join(d.name, f)),
  );

describe("typed inputs of the chatia nodes", () => {
  it("are made with chatiaTypedInput, given the node being edited, never with typedInput directly", () => {
    const users: string[] = [];
    for (const form of forms) {
      const text = readFileSync(path.join(NODES, form), "utf8");
      expect(text, form).not.toMatch(/\.typedInput\(/);
      if (/chatiaTypedInput\(/.test(text)) {
        users.push(form);
        for (const call of text.matchAll(/chatiaTypedInput\((\w+),/g))
          expect(call[1], form).toBe("node");
        expect(text, form).toMatch(/oneditprepare: function \(\) \{\s+var node = this;/);
      }
    }
    expect(users.length).toBeGreaterThanOrEqual(20);
  });

  it("chatiaTypedInput is defined by every node's editor prelude", () => {
    for (const declaration of NODE_DECLARATIONS.values())
      expect(editorPrelude(declaration)).toMatch(/page\.chatiaTypedInput = /);
  });
});
