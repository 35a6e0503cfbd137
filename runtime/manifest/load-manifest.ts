// loadManifest: jobs.yaml → one validated, deep-frozen Manifest, or a ManifestError carrying every
// problem with its file:line:col. Nothing downstream validates the manifest again.
import { readFile } from "node:fs/promises";
import path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import schema from "../../schemas/jobs.schema.json";
import type { ErrorCode } from "../errors";
import type { Env } from "./interpolate";
import { ManifestError, type Problem, sortProblems } from "./problems";
import { explainSchemaErrors } from "./schema-errors";
import { type ManifestCheck, type Reporter, semanticChecks } from "./semantic-checks";
import type { Manifest, ManifestDocument } from "./types";
import { parseYaml } from "./yaml-source";

export interface LoadOptions {
  /** Variables for `${VAR}` interpolation. @defaultValue process.env */
  readonly env?: Env;
  /** Further checks run once the manifest is schema-valid (the runtime's flow checks). */
  readonly checks?: readonly ManifestCheck[];
  /**
   * Told of each warning the checks give: something worth saying that leaves the manifest valid
   * (a job declared before its flow exists).
   */
  readonly onWarning?: (warning: Problem) => void;
}

let validator: ValidateFunction | undefined;

function manifestValidator(): ValidateFunction {
  if (validator === undefined) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
    ajv.addVocabulary(["patternErrorMessage"]);
    validator = ajv.compile(schema);
  }
  return validator;
}

/** Reads, interpolates and validates a manifest file. Throws ManifestError with every problem. */
export async function loadManifest(file: string, options: LoadOptions = {}): Promise<Manifest> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new ManifestError([
      {
        code: "CF_MANIFEST_READ",
        message: `cannot read the manifest: ${reason}`,
        file: absolute,
        line: 1,
        col: 1,
        pointer: "",
      },
    ]);
  }
  return parseManifest(text, absolute, options);
}

/** As loadManifest, for text already in hand; `file` is where it came from (for messages and paths). */
export async function parseManifest(
  text: string,
  file: string,
  options: LoadOptions = {},
): Promise<Manifest> {
  const absolute = path.resolve(file);
  const dir = path.dirname(absolute);
  const parsed = parseYaml(text, absolute, options.env ?? process.env);
  const problems: Problem[] = [...parsed.problems];
  if (parsed.data === undefined) throw new ManifestError(problems);

  const located =
    (into: (problem: Problem) => void): Reporter =>
    (pointer: string, code: ErrorCode, message: string, hint?: string, atKey = false) => {
      const { line, col } = parsed.locate(pointer, atKey ? "key" : "value");
      into({ code, message, file: absolute, line, col, pointer, ...(hint ? { hint } : {}) });
    };
  const report = located((problem) => problems.push(problem));
  const warnings: Problem[] = [];
  const warn = located((warning) => warnings.push(warning));

  const validate = manifestValidator();
  const schemaValid = validate(parsed.data);
  // A value whose ${VAR} failed already has its problem; its schema error would only repeat it.
  const interpolationFailed = new Set(parsed.problems.map((p) => p.pointer));
  for (const issue of explainSchemaErrors(validate.errors ?? [])) {
    if (interpolationFailed.has(issue.pointer)) continue;
    report(issue.pointer, issue.code, issue.message, issue.hint, issue.atKey);
  }
  await semanticChecks(parsed.data, dir, report);
  if (schemaValid && problems.length === 0) {
    for (const check of options.checks ?? [])
      await check(parsed.data as ManifestDocument, { dir, report, warn });
  }
  if (problems.length > 0) throw new ManifestError(problems);
  for (const warning of sortProblems(warnings)) options.onWarning?.(warning);

  return deepFreeze({ ...(parsed.data as ManifestDocument), source: { file: absolute, dir } });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
