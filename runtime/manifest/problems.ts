// A problem found in a manifest, with where it is; and the error that carries all of them.
import path from "node:path";
import { ChatiaError, type ErrorCode } from "../errors";

export interface Position {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly col: number;
}

export interface Problem extends Position {
  readonly code: ErrorCode;
  /** What is wrong, in one sentence. */
  readonly message: string;
  /** How to fix it, when we can tell (did-you-mean, allowed values). */
  readonly hint?: string;
  /** Absolute path of the file the problem is in. */
  readonly file: string;
  /** JSON pointer of the offending value ("" for the whole document). */
  readonly pointer: string;
}

/** `FILE:LINE:COL: message; hint (at /pointer)`, with FILE relative to `cwd` when inside it. */
export function formatProblem(problem: Problem, cwd = process.cwd()): string {
  const text = problem.hint ? `${problem.message}; ${problem.hint}` : problem.message;
  const at = problem.pointer === "" ? "" : ` (at ${problem.pointer})`;
  return `${displayPath(problem.file, cwd)}:${problem.line}:${problem.col}: ${text}${at}`;
}

export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, file);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/** Problems in reading order: by file, then line, then column. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col,
  );
}

/** Thrown by loadManifest with every problem it found, in reading order. */
export class ManifestError extends ChatiaError {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const sorted = sortProblems(problems);
    const first = sorted[0];
    if (first === undefined) throw new RangeError("ManifestError needs at least one problem");
    const more = sorted.length > 1 ? ` (and ${sorted.length - 1} more)` : "";
    super(first.code, `${formatProblem(first)}${more}`, { details: sorted });
    this.name = "ManifestError";
    this.problems = sorted;
  }

  /** Every problem on its own line, as `chatia-flow validate` prints them. */
  format(cwd = process.cwd()): string {
    return this.problems.map((p) => formatProblem(p, cwd)).join("\n");
  }
}

/** JSON pointer (RFC 6901) of a path. */
export function toPointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

export function fromPointer(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}
