// Turns ajv's raw errors into one clear sentence per real problem: union ("anyOf") noise is pruned
// to the branch the value was meant for, unknown keys get a did-you-mean, enums list their values.
import type { ErrorObject } from "ajv";
import { closest, distance } from "fastest-levenshtein";
import type { ErrorCode } from "../errors";
import { fromPointer, toPointer } from "./problems";

export interface SchemaIssue {
  readonly code: ErrorCode;
  /** JSON pointer of the offending value (for unknown keys: of the key). */
  readonly pointer: string;
  /** Point at the key rather than the value (unknown and missing keys, bad names). */
  readonly atKey: boolean;
  readonly message: string;
  readonly hint?: string;
  /** For a missing key: its name. */
  readonly missingKey?: string;
}

interface SchemaFragment {
  readonly properties?: Record<string, unknown>;
  readonly patternErrorMessage?: string;
  readonly type?: string;
}

export function explainSchemaErrors(errors: readonly ErrorObject[]): SchemaIssue[] {
  // A bad name yields a `pattern` error carrying the name, and a vaguer `propertyNames` one.
  const issues = pruneUnions(errors)
    .filter((e) => e.keyword !== "propertyNames")
    .map(explain);
  return dropMissingExplainedByTypo(issues);
}

/** `queue:` written for `queues:` is one problem (the typo), not two. */
function dropMissingExplainedByTypo(issues: SchemaIssue[]): SchemaIssue[] {
  const typos = new Set(
    issues
      .filter((i) => i.code === "CF_MANIFEST_UNKNOWN_KEY" && i.hint?.startsWith("did you mean"))
      .map((i) => `${i.pointer.slice(0, i.pointer.lastIndexOf("/"))}|${i.hint}`),
  );
  return issues.filter(
    (i) =>
      !(
        i.code === "CF_MANIFEST_MISSING_KEY" &&
        typos.has(`${i.pointer}|did you mean "${i.missingKey}"?`)
      ),
  );
}

/**
 * Replaces each failed anyOf/oneOf by what its branches said: when some branch fitted the value's
 * type, that branch's errors; when none did, one "must be A, B or C" error. ajv reports a union's
 * branch errors just before the union's own error.
 */
function pruneUnions(errors: readonly ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  const merged = new Map<ErrorObject, ErrorObject>();
  errors.forEach((union, index) => {
    if (union.keyword !== "anyOf" && union.keyword !== "oneOf") return;
    const branchErrors = errors
      .slice(0, index)
      .filter((e) => !dropped.has(e) && e.instancePath.startsWith(union.instancePath));
    const typeErrors = branchErrors.filter(
      (e) => e.keyword === "type" && e.instancePath === union.instancePath,
    );
    const fitted = branchErrors.length > typeErrors.length;
    for (const e of typeErrors) dropped.add(e);
    if (fitted) dropped.add(union);
    else
      merged.set(union, {
        ...union,
        keyword: "type",
        params: { type: typeErrors.map((e) => e.params.type).join(",") },
      });
  });
  return errors.filter((e) => !dropped.has(e)).map((e) => merged.get(e) ?? e);
}

function explain(e: ErrorObject): SchemaIssue {
  const parent = (e.parentSchema ?? {}) as SchemaFragment;
  const subject = subjectOf(e.instancePath);
  const issue = (
    code: ErrorCode,
    message: string,
    hint?: string,
    pointer = e.instancePath,
    atKey = false,
  ) => ({
    code,
    pointer,
    atKey,
    message,
    ...(hint ? { hint } : {}),
  });
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String(e.params.additionalProperty);
      const known = Object.keys(parent.properties ?? {});
      const where = e.instancePath === "" ? "" : ` in ${owner(e.instancePath)}`;
      return issue(
        "CF_MANIFEST_UNKNOWN_KEY",
        `unknown key "${key}"${where}`,
        didYouMean(key, known) ?? `known keys: ${known.join(", ")}`,
        `${e.instancePath}${toPointer([key])}`,
        true,
      );
    }
    case "required": {
      const key = String(e.params.missingProperty);
      const what = e.instancePath === "" ? "the manifest" : owner(e.instancePath);
      const message = `${what} is missing the required key "${key}"`;
      return {
        missingKey: key,
        ...issue("CF_MANIFEST_MISSING_KEY", message, undefined, e.instancePath, true),
      };
    }
    case "pattern": {
      const what =
        e.propertyName !== undefined ? `name "${e.propertyName}"` : `${subject} ${show(e.data)}`;
      const rule = parent.patternErrorMessage ?? `must match ${String(e.params.pattern)}`;
      const pointer =
        e.propertyName !== undefined
          ? `${e.instancePath}${toPointer([e.propertyName])}`
          : e.instancePath;
      return issue(
        "CF_MANIFEST_INVALID_VALUE",
        `${what} ${rule}`,
        undefined,
        pointer,
        e.propertyName !== undefined,
      );
    }
    case "enum": {
      const allowed = (e.params.allowedValues as unknown[]).map(String);
      const hint = didYouMean(String(e.data), allowed) ?? `allowed values: ${allowed.join(", ")}`;
      return issue(
        "CF_MANIFEST_INVALID_VALUE",
        `${subject} must be one of ${allowed.join(", ")} (got ${show(e.data)})`,
        hint,
      );
    }
    case "const":
      return issue(
        "CF_MANIFEST_INVALID_VALUE",
        `${subject} must be ${show(e.params.allowedValue)} (got ${show(e.data)})`,
      );
    case "type":
      if (e.instancePath === "" && e.data === null)
        return issue(
          "CF_MANIFEST_INVALID_VALUE",
          "the manifest is empty: it needs at least version and queues",
        );
      return issue(
        "CF_MANIFEST_INVALID_VALUE",
        `${subject || "the manifest"} must be ${typeWords(String(e.params.type))} (got ${kindOf(e.data)})`,
      );
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return issue(
        "CF_MANIFEST_INVALID_VALUE",
        `${subject} must be ${comparison(String(e.params.comparison))} ${String(e.params.limit)} (got ${show(e.data)})`,
      );
    case "minProperties":
    case "minLength":
      return issue("CF_MANIFEST_INVALID_VALUE", `${subject || "the manifest"} must not be empty`);
    default:
      return issue(
        "CF_MANIFEST_INVALID_VALUE",
        `${subject || "the manifest"} ${e.message ?? "is invalid"}`,
      );
  }
}

/** "did you mean …?" when a known word is close enough to be a typo. */
export function didYouMean(word: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const best = closest(word, [...known]);
  const limit = Math.max(2, Math.floor(best.length / 3));
  return distance(word.toLowerCase(), best.toLowerCase()) <= limit
    ? `did you mean "${best}"?`
    : undefined;
}

/** What the object at a pointer is, in words: `job "MessageQueue/SendMessage"`, `limiter`. */
function owner(pointer: string): string {
  const segments = fromPointer(pointer);
  const [root, queue, jobs, job, ...rest] = segments;
  if (root === "queues" && queue !== undefined && rest.length === 0) {
    if (jobs === undefined) return `queue "${queue}"`;
    if (job !== undefined) return `job "${queue}/${job}"`;
  }
  return segments.at(-1) ?? "the manifest";
}

function subjectOf(pointer: string): string {
  return fromPointer(pointer).at(-1) ?? "";
}

function comparison(op: string): string {
  return { ">=": "at least", "<=": "at most", ">": "more than", "<": "less than" }[op] ?? op;
}

const TYPE_WORDS: Record<string, string> = {
  boolean: "true or false",
  integer: "a whole number",
  number: "a number",
  string: "a string",
  object: "a mapping",
  array: "a list",
  null: "null",
};

function typeWords(types: string): string {
  const words = types.split(",").map((t) => TYPE_WORDS[t] ?? t);
  return words.length > 1
    ? `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`
    : (words[0] ?? types);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "number" && !Number.isInteger(value)) return `the number ${value}`;
  return `${typeof value} ${show(value)}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
