// YAML text → plain data, keeping every value's source position so that later checks can point
// at `file:line:col`. `${VAR}` interpolation happens here, on the parsed scalars, so positions stay
// those of the text the admin wrote and quoted values stay strings.
import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Scalar,
  visit,
} from "yaml";
import type { ErrorCode } from "../errors";
import { type Env, interpolate } from "./interpolate";
import { fromPointer, type Position, type Problem, toPointer } from "./problems";
import { findIndentationMistakes } from "./yaml-indentation";

export interface ParsedYaml {
  /** The data, or undefined when the text could not be parsed. */
  readonly data: unknown;
  readonly problems: readonly Problem[];
  /** Position of the value (or, with `at: "key"`, of the key) at a JSON pointer. */
  locate(pointer: string, at?: "value" | "key"): Position;
}

export function parseYaml(text: string, file: string, env: Env): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true });
  const problems: Problem[] = [];
  const problem = (
    code: ErrorCode,
    offset: number,
    pointer: string,
    message: string,
    hint?: string,
  ) => {
    const { line, col } = lines.linePos(offset);
    problems.push({ code, message, file, line, col, pointer, ...(hint ? { hint } : {}) });
  };
  const locate = (pointer: string, at: "value" | "key" = "value"): Position =>
    lines.linePos(offsetOf(doc, fromPointer(pointer), at));

  if (doc.errors.length > 0) {
    reportSyntaxErrors(doc, text, problem);
    return { data: undefined, problems, locate };
  }

  visit(doc, {
    Alias(_key, node, path) {
      if (node.resolve(doc) === undefined) {
        problem(
          "CF_MANIFEST_SYNTAX",
          node.range?.[0] ?? 0,
          pointerOfPath(path, node),
          `unknown anchor *${node.source}`,
          `define it first with &${node.source} on an earlier value`,
        );
      }
    },
    Scalar(key, node, path) {
      if (key === "key" || typeof node.value !== "string") return;
      interpolateScalar(node, pointerOfPath(path, node), env, problem);
    },
  });

  if (problems.some((p) => p.code === "CF_MANIFEST_SYNTAX"))
    return { data: undefined, problems, locate };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    problem("CF_MANIFEST_SYNTAX", 0, "", err instanceof Error ? err.message : String(err));
  }
  return { data, problems, locate };
}

type Report = (
  code: ErrorCode,
  offset: number,
  pointer: string,
  message: string,
  hint?: string,
) => void;

/** Parser errors that a misindented line causes, on its own line or on many after it. */
const INDENTATION_ERRORS = new Set([
  "TAB_AS_INDENT",
  "BAD_INDENT",
  "BLOCK_AS_IMPLICIT_KEY",
  "MULTILINE_IMPLICIT_KEY",
]);

function reportSyntaxErrors(doc: Document, text: string, problem: Report): void {
  if (doc.errors.some((e) => INDENTATION_ERRORS.has(e.code))) {
    const mistakes = findIndentationMistakes(text);
    if (mistakes.length > 0) {
      const lineStarts = lineOffsets(text);
      for (const m of mistakes)
        problem(
          "CF_MANIFEST_SYNTAX",
          (lineStarts[m.line - 1] ?? 0) + m.col - 1,
          "",
          m.message,
          m.hint,
        );
      return;
    }
  }
  const seenLines = new Set<number>();
  let first = true;
  for (const error of doc.errors) {
    const offset = error.pos[0];
    const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
    // After the first error, "in YAML stream" errors are the parser recovering from it.
    if (!first && error.message.includes("in YAML stream")) continue;
    if (seenLines.has(lineStart)) continue;
    seenLines.add(lineStart);
    first = false;
    const lineEnd = text.indexOf("\n", offset);
    const lineText = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
    if (error.code === "DUPLICATE_KEY") {
      const key = /^[^:\s]+|^"[^"]*"|^'[^']*'/.exec(text.slice(offset))?.[0] ?? "";
      problem(
        "CF_MANIFEST_DUPLICATE_KEY",
        offset,
        "",
        `duplicate key ${quoteKey(key)}`,
        "each name may appear once in a mapping",
      );
      continue;
    }
    if (error.code === "MULTIPLE_DOCS") {
      problem(
        "CF_MANIFEST_SYNTAX",
        offset,
        "",
        "a manifest is a single YAML document",
        "remove the --- separator and what follows, or merge it into the first document",
      );
      continue;
    }
    const hint = /[{[][^}\]]*\$\{/.test(lineText)
      ? "a ${...} reference inside { } or [ ] must be quoted or written in block style"
      : undefined;
    problem("CF_MANIFEST_SYNTAX", offset, "", `YAML syntax: ${lowerFirst(error.message)}`, hint);
  }
}

function interpolateScalar(node: Scalar, pointer: string, env: Env, problem: Report): void {
  const source = node.value as string;
  const result = interpolate(source, env);
  if (!result.ok) {
    const start = node.range?.[0] ?? 0;
    // In a plain one-line scalar the value is the source text, so the error's column is exact.
    const exact = node.type === "PLAIN" && !source.includes("\n");
    const quote = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE" ? 1 : 0;
    for (const e of result.errors) {
      const code = e.kind === "unset" ? "CF_MANIFEST_ENV_UNSET" : "CF_MANIFEST_ENV_SYNTAX";
      problem(code, exact || quote ? start + quote + e.index : start, pointer, e.message, e.hint);
    }
    return;
  }
  if (!result.changed) return;
  node.value = node.type === "PLAIN" ? resolvePlain(result.value) : result.value;
}

const CORE = parseDocument("").schema.tags;

/** What YAML's core schema makes of an unquoted scalar: so `${MAX:-1}` gives the number 1. */
function resolvePlain(text: string): unknown {
  if (text === "") return "";
  for (const tag of CORE) {
    if (tag.default === true && tag.test?.test(text) && tag.resolve) {
      const value = tag.resolve(text, () => undefined, {});
      return isScalar(value) ? value.value : value;
    }
  }
  return text;
}

function pointerOfPath(path: readonly unknown[], node: Node): string {
  const segments: (string | number)[] = [];
  for (let i = 0; i < path.length; i++) {
    const step = path[i];
    const next = i + 1 < path.length ? path[i + 1] : node;
    if (isPair(step) && isScalar(step.key)) segments.push(String(step.key.value));
    else if (isSeq(step) && next !== undefined) segments.push(step.items.indexOf(next as never));
  }
  return toPointer(segments);
}

/** Offset of the node at `segments`, or of the deepest ancestor that exists. */
function offsetOf(doc: Document, segments: readonly string[], at: "value" | "key"): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (const [i, segment] of segments.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment);
      if (pair === undefined) break;
      const keyOffset = (pair.key as Scalar).range?.[0] ?? offset;
      const valueOffset = (pair.value as Node | null)?.range?.[0] ?? keyOffset;
      offset = at === "key" && i === segments.length - 1 ? keyOffset : valueOffset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (item?.range === undefined || item.range === null) break;
      offset = item.range[0];
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

function quoteKey(key: string): string {
  return key.startsWith('"') || key.startsWith("'") ? key : `"${key}"`;
}

/** Offset of the start of each line. */
function lineOffsets(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
