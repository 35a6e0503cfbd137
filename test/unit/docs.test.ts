// The docs, the schema and the code describe the same product: these tests fail when they drift.
// The reference lives in docs/ (error codes in docs/errors.md, manifest keys and defaults in
// docs/manifest.md, environment variables in docs/operations.md); the README links to it.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BULL_SETTINGS_DEFAULTS } from "../../runtime/compile";
import { ERROR_CODES } from "../../runtime/errors";
import { BASE_JOB_OPTIONS, DEFAULT_TZ } from "../../runtime/manifest";
import { timeoutsFromEnv } from "../../runtime/timeouts";
import schema from "../../schemas/jobs.schema.json";

const root = path.resolve(__dirname, "../..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");
const docsDir = path.join(root, "docs");
/** README.md and every docs/*.md, by path relative to the repository. */
const markdownFiles = [
  "README.md",
  ...readdirSync(docsDir)
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

type Property = { description?: string; default?: unknown; $ref?: string };
type Definition = {
  properties?: Record<string, Property>;
  description?: string;
  default?: unknown;
};
const definitions = schema.definitions as Record<string, Definition>;
const allProperties = [schema, ...Object.values(definitions)].flatMap((d) =>
  Object.entries((d as Definition).properties ?? {}),
);
/** A property's default, its own or that of the definition it refers to. */
function defaultOf(property: Property): unknown {
  if (property.default !== undefined) return property.default;
  const name = property.$ref?.replace("#/definitions/", "");
  return name === undefined ? undefined : definitions[name]?.default;
}

/** A table cell's text: anything but an unescaped `|`. */
const CELL = String.raw`(?:[^|\\]|\\.)*`;
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** Whether `doc` has a table row whose first cell is `key` and whose cell number `column` is `value`. */
function hasRow(doc: string, key: string, column: number, value: string): boolean {
  const cells = Array.from({ length: column - 2 }, () => ` ${CELL} \\|`).join("");
  return new RegExp(`^\\| ${escaped(key)} \\|${cells} ${escaped(value)} \\|`, "m").test(doc);
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/`/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}
/** The text outside fenced code blocks and inline code, where links and headings are. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "").replace(/`[^`\n]*`/g, "``");
}
function headings(markdown: string): { level: number; text: string }[] {
  return [...markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "").matchAll(/^(#{1,6}) (.+)$/gm)].map(
    (m) => ({ level: m[1]?.length ?? 0, text: m[2] ?? "" }),
  );
}
/** The anchors of a Markdown file, numbered as GitHub numbers repeated headings. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const { text } of headings(markdown)) {
    const base = slug(text);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

describe("documentation", () => {
  const errorsDoc = read("docs/errors.md");
  const manifestDoc = read("docs/manifest.md");
  const operationsDoc = read("docs/operations.md");

  it("lists every error code in docs/errors.md with its kind, and no code the registry lacks", () => {
    for (const [code, info] of Object.entries(ERROR_CODES))
      expect(hasRow(errorsDoc, `\`${code}\``, 2, info.kind), code).toBe(true);
    const documented = [...errorsDoc.matchAll(/^\| `(CF_[A-Z_]+)` \|/gm)].map((m) => m[1] ?? "");
    expect(documented.filter((code) => !(code in ERROR_CODES))).toEqual([]);
  });

  it("documents every manifest key in docs/manifest.md", () => {
    for (const [key] of allProperties) expect(manifestDoc, key).toContain(`| \`${key}\` |`);
  });

  it("gives every schema property a description (the editor's hover text)", () => {
    for (const [key, property] of allProperties) {
      const described = property.description ?? property.$ref;
      expect(described, key).toBeTruthy();
    }
    for (const [name, definition] of Object.entries(definitions)) {
      if (name !== "keepJobs") expect(definition.description, name).toBeTruthy();
    }
  });

  it("states the same defaults in the schema as the code applies", () => {
    expect(definitions.attempts?.default).toBe(BASE_JOB_OPTIONS.attempts);
    expect(definitions.delay?.default).toBe(BASE_JOB_OPTIONS.delay);
    expect(definitions.timeout?.default).toBe(BASE_JOB_OPTIONS.timeout);
    expect(definitions.job?.properties?.tz?.default).toBe(DEFAULT_TZ);
    expect(definitions.queue?.properties?.concurrency?.default).toBe(1);
    const settings = definitions.queueSettings?.properties ?? {};
    for (const [key, value] of Object.entries(BULL_SETTINGS_DEFAULTS))
      expect(settings[key]?.default, key).toBe(value);
    expect(BASE_JOB_OPTIONS.removeOnComplete).toEqual({ age: 3600, count: 1000 });
    expect(BASE_JOB_OPTIONS.removeOnFail).toEqual({ age: 86400, count: 5000 });
  });

  it("states the schema's defaults and the code's keep rules in docs/manifest.md", () => {
    const withDefault = allProperties.filter(([, property]) => defaultOf(property) !== undefined);
    expect(withDefault.length).toBeGreaterThan(5);
    for (const [key, property] of withDefault)
      expect(hasRow(manifestDoc, `\`${key}\``, 3, `\`${defaultOf(property)}\``), key).toBe(true);
    for (const key of ["removeOnComplete", "removeOnFail"] as const) {
      const rule = BASE_JOB_OPTIONS[key] as { age: number; count: number };
      const text = `\`{ age: ${rule.age}, count: ${rule.count} }\``;
      expect(hasRow(manifestDoc, `\`${key}\``, 3, text), key).toBe(true);
    }
  });

  it("lists every environment variable the runtime reads in docs/operations.md", () => {
    const sources = ["runtime", "nodes", "bin"].flatMap((dir) =>
      (readdirSync(path.join(root, dir), { recursive: true }) as string[])
        .filter((file) => /\.(ts|js)$/.test(file) && !file.endsWith(".d.ts"))
        .map((file) => readFileSync(path.join(root, dir, file), "utf8")),
    );
    const names = new Set<string>();
    for (const text of sources) {
      for (const m of text.matchAll(/\benv(?:\.|\[")([A-Z][A-Z0-9_]+)/g)) names.add(m[1] ?? "");
      for (const m of text.matchAll(/"((?:CHATIA|NODE_RED|REDIS)_[A-Z0-9_]+)"/g))
        names.add(m[1] ?? "");
    }
    // CHATIA_FLOW_ID is a flow tab's own environment entry (docs/runtime.md), TERM the terminal's.
    for (const other of ["CHATIA_FLOW_ID", "TERM"]) names.delete(other);
    expect(names.size).toBeGreaterThan(20);
    const table = operationsDoc.slice(operationsDoc.indexOf("## Environment"));
    const rows = [...table.matchAll(/^\| ([^|]+) \|/gm)].map((m) => m[1] ?? "").join(" ");
    const missing = [...names].filter((name) => !rows.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it("states the timeouts' defaults in docs/operations.md as the code applies them", () => {
    const defaults = timeoutsFromEnv({});
    const variables: Record<keyof typeof defaults, string> = {
      dbConnectMs: "CHATIA_DB_CONNECT_TIMEOUT_MS",
      dbStatementMs: "CHATIA_DB_STATEMENT_TIMEOUT_MS",
      redisConnectMs: "CHATIA_REDIS_CONNECT_TIMEOUT_MS",
      redisCommandMs: "CHATIA_REDIS_COMMAND_TIMEOUT_MS",
      apiRequestMs: "CHATIA_API_TIMEOUT_MS",
      readyCheckMs: "CHATIA_READY_TIMEOUT_MS",
    };
    for (const [key, variable] of Object.entries(variables))
      expect(
        hasRow(
          operationsDoc,
          `\`${variable}\``,
          2,
          `\`${defaults[key as keyof typeof defaults]}\``,
        ),
        variable,
      ).toBe(true);
  });

  it("keeps the README short: at most 250 lines", () => {
    expect(read("README.md").split("\n").length).toBeLessThanOrEqual(250);
  });

  it("gives the README and every reference document a contents list of its sections", () => {
    for (const file of markdownFiles.filter((f) => f !== "docs/add-a-job.md")) {
      const text = read(file);
      const sections = headings(text).filter((h) => h.level === 2 && h.text !== "Contents");
      expect(text, file).toContain("## Contents");
      for (const { text: heading } of sections)
        expect(text, `${file}: ${heading}`).toContain(`](#${slug(heading)})`);
    }
  });

  it("names only files that exist and npm scripts that package.json has", () => {
    const scripts = Object.keys(JSON.parse(read("package.json")).scripts as object);
    const missing: string[] = [];
    for (const file of markdownFiles) {
      const text = read(file);
      for (const m of text.matchAll(/`((?:runtime|test|scripts|bench|nodes)\/[\w./-]+)`/g))
        if (!existsSync(path.join(root, m[1] ?? ""))) missing.push(`${file}: ${m[1]}`);
      for (const m of text.matchAll(/npm run (?:--silent )?([\w:-]+)/g))
        if (!scripts.includes(m[1] ?? "")) missing.push(`${file}: npm run ${m[1]}`);
    }
    expect(missing).toEqual([]);
  });

  it("has every relative link in the README and docs/ lead to a file, and an anchor to a heading", () => {
    const broken: string[] = [];
    for (const file of markdownFiles) {
      const text = read(file);
      for (const m of prose(text).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = m[1] ?? "";
        if (/^[a-z]+:/i.test(target)) continue;
        const [filePart = "", anchor] = target.split("#");
        const targetFile = filePart === "" ? file : path.join(path.dirname(file), filePart);
        if (!existsSync(path.join(root, targetFile))) {
          broken.push(`${file}: ${target} (no file ${targetFile})`);
          continue;
        }
        if (anchor !== undefined && !anchors(read(targetFile)).has(anchor))
          broken.push(`${file}: ${target} (no heading #${anchor} in ${targetFile})`);
      }
    }
    expect(broken).toEqual([]);
  });
});
