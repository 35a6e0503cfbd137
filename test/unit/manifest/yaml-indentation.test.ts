// An indentation mistake in the shipped jobs.yaml is one problem, on the line that is wrong, and
// says "indentation" (the YAML parser alone reports up to 14 problems, mostly on later lines).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ManifestError, parseManifest } from "../../../runtime/manifest";
import { findIndentationMistakes } from "../../../runtime/manifest/yaml-indentation";

const ROOT = path.resolve(__dirname, "../../..");
const FILE = path.join(ROOT, "jobs.yaml");
const SHIPPED = readFileSync(FILE, "utf8");
const LINES = SHIPPED.split("\n");
/** The shipped MessageQueue/SendMessage's `attempts: 3`, inside a job with keys after it. */
const ATTEMPTS = LINES.indexOf("        attempts: 3") + 1;

function withLine(lineNumber: number, edit: (line: string) => string): string {
  return LINES.map((l, i) => (i === lineNumber - 1 ? edit(l) : l)).join("\n");
}

async function problemsOf(text: string) {
  const error = await parseManifest(text, FILE, { env: {} }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ManifestError);
  return (error as ManifestError).problems;
}

describe("indentation mistakes in jobs.yaml", () => {
  it("finds the line the test edits", () => {
    expect(ATTEMPTS).toBeGreaterThan(1);
    expect(LINES[ATTEMPTS]).toMatch(/^ {8}\w/);
  });

  it.each([
    ["a tab", (l: string) => `\t${l.trimStart()}`, 1],
    ["one space too many", (l: string) => ` ${l}`, 10],
    ["one level too few", (l: string) => l.slice(2), 7],
    ["an odd column", (l: string) => l.slice(1), 8],
  ])("%s is one problem on that line, saying indentation", async (_name, edit, col) => {
    const problems = await problemsOf(withLine(ATTEMPTS, edit));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: "CF_MANIFEST_SYNTAX", line: ATTEMPTS, col });
    expect(problems[0]?.message).toContain("indentation");
  });

  it("finds no mistake in the shipped manifest or any valid fixture", () => {
    const valid = path.join(ROOT, "test/fixtures/manifests/valid");
    const texts = [
      SHIPPED,
      ...readdirSync(valid)
        .filter((f) => f.endsWith(".yaml"))
        .map((f) => readFileSync(path.join(valid, f), "utf8")),
    ];
    for (const text of texts) expect(findIndentationMistakes(text)).toEqual([]);
  });
});
