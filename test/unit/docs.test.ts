// The README, the schema and the code describe the same product: these tests fail when they drift.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BULL_SETTINGS_DEFAULTS } from "../../runtime/compile";
import { ERROR_CODES } from "../../runtime/errors";
import { BASE_JOB_OPTIONS, DEFAULT_TZ } from "../../runtime/manifest";
import schema from "../../schemas/jobs.schema.json";

const readme = readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");
type Definition = {
  properties?: Record<string, { description?: string; default?: unknown }>;
  description?: string;
  default?: unknown;
};
const definitions = schema.definitions as Record<string, Definition>;
const allProperties = [schema, ...Object.values(definitions)].flatMap((d) =>
  Object.entries((d as Definition).properties ?? {}),
);

describe("documentation", () => {
  it("lists every error code in the README with its kind", () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(readme, code).toMatch(new RegExp(`\\| \`${code}\` \\| ${info.kind} \\|`));
    }
  });

  it("documents every manifest key in the README", () => {
    for (const [key] of allProperties) expect(readme, key).toContain(`| \`${key}\` |`);
  });

  it("gives every schema property a description (the editor's hover text)", () => {
    for (const [key, property] of allProperties) {
      const described = property.description ?? (property as { $ref?: string }).$ref;
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
    expect(readme).toContain("| `removeOnComplete` | keep rule | `{ age: 3600, count: 1000 }` |");
    expect(BASE_JOB_OPTIONS.removeOnComplete).toEqual({ age: 3600, count: 1000 });
    expect(BASE_JOB_OPTIONS.removeOnFail).toEqual({ age: 86400, count: 5000 });
  });
});
