// Finds the line whose indentation is wrong in a block-style YAML text. The YAML parser reports
// where it lost its way, which after one misplaced line is often a later line, or a dozen of them;
// this reads the indentation the way a person does, line by line, and names the first wrong one.

/** An indentation mistake: 1-based line and column, what is wrong, how to fix it. */
export interface IndentationMistake {
  readonly line: number;
  readonly col: number;
  readonly message: string;
  readonly hint: string;
}

interface Line {
  readonly number: number;
  readonly indent: number;
  /** The text after the indentation, without a trailing comment. */
  readonly content: string;
}

/**
 * Every line indented with a tab (one mistake each); else the first line indented deeper than the
 * line above allows, or back to a column that no enclosing block uses; else none. Block scalars
 * (`|`, `>`) and flow collections spread over lines are skipped, not judged.
 */
export function findIndentationMistakes(text: string): IndentationMistake[] {
  const lines = significantLines(text);
  const tabs = lines.flatMap((l) => (l.indentText.includes("\t") ? [tabMistake(l)] : []));
  if (tabs.length > 0) return tabs;
  const first = firstStructuralMistake(lines);
  return first ? [first] : [];
}

function tabMistake(line: { number: number; indentText: string }): IndentationMistake {
  return {
    line: line.number,
    col: line.indentText.indexOf("\t") + 1,
    message: "YAML indentation: this line is indented with a tab",
    hint: "YAML indents with spaces only",
  };
}

/** Lines that carry YAML, with their indentation; blank and comment-only lines left out. */
function significantLines(text: string): Array<Line & { indentText: string }> {
  const out: Array<Line & { indentText: string }> = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const indentText = /^[ \t]*/.exec(raw)?.[0] ?? "";
    const rest = raw.slice(indentText.length);
    if (rest === "" || rest.startsWith("#")) continue;
    const content = rest.replace(/\s+#.*$/, "").trimEnd();
    out.push({ number: i + 1, indent: indentText.length, indentText, content });
  }
  return out;
}

/** A key with no value on its line (`jobs:`, `SendMessage: &anchor`): a block follows. */
const OPENS_BLOCK = /^(?:[^{["'#][^#]*?|"[^"]*"|'[^']*'):(?:\s+[&!]\S+)*$/;

function firstStructuralMistake(lines: readonly Line[]): IndentationMistake | undefined {
  const levels = [0];
  let previous: Line | undefined;
  let poppedByPrevious: number[] = [];
  let opens = false;
  let scalarAbove: number | undefined;
  let flowDepth = 0;
  for (const line of lines) {
    if (scalarAbove !== undefined && line.indent > scalarAbove) continue;
    scalarAbove = undefined;
    if (flowDepth > 0) {
      flowDepth += bracketBalance(line.content);
      continue;
    }
    const top = levels[levels.length - 1] ?? 0;
    const popped: number[] = [];
    if (opens && line.indent > top) levels.push(line.indent);
    else if (line.indent > top && previous) {
      return poppedByPrevious.includes(line.indent)
        ? outOfBlock(previous, line)
        : tooDeep(line, previous, top);
    } else if (line.indent < top) {
      while ((levels[levels.length - 1] ?? 0) > line.indent) popped.push(levels.pop() ?? 0);
      if (levels[levels.length - 1] !== line.indent) return noLevel(line, levels, popped);
    }
    const item = /^-(?: +|$)/.exec(line.content);
    const body = item ? line.content.slice(item[0].length) : line.content;
    if (item && body !== "") levels.push(line.indent + item[0].length);
    opens = item !== null && body === "" ? true : OPENS_BLOCK.test(body);
    poppedByPrevious = popped;
    if (/:\s+[|>][-+0-9]*$/.test(body)) scalarAbove = line.indent;
    flowDepth = Math.max(0, bracketBalance(body.replace(/^[^:]*:\s*/, "")));
    previous = line;
  }
  return undefined;
}

function tooDeep(line: Line, previous: Line, top: number): IndentationMistake {
  return {
    line: line.number,
    col: line.indent + 1,
    message: `YAML indentation: this line is indented deeper (${line.indent} spaces) than line ${previous.number} allows`,
    hint: `line ${previous.number} opens no block; to be its sibling, indent this line ${top} spaces`,
  };
}

/**
 * `line` went back to an enclosing block and `next` returns into the block it left: one of the two
 * is wrong, most likely the first (a key pulled out of the block that goes on after it).
 */
function outOfBlock(line: Line, next: Line): IndentationMistake {
  return {
    line: line.number,
    col: line.indent + 1,
    message: `YAML indentation: this line is indented ${line.indent} spaces, out of the block around it (${next.indent} spaces, as line ${next.number})`,
    hint: `indent it ${next.indent} spaces, or line ${next.number} ${line.indent}`,
  };
}

function noLevel(
  line: Line,
  levels: readonly number[],
  popped: readonly number[],
): IndentationMistake {
  const below = levels[levels.length - 1] ?? 0;
  const above = popped[popped.length - 1] ?? below + 2;
  return {
    line: line.number,
    col: line.indent + 1,
    message: `YAML indentation: this line is indented ${line.indent} spaces, a column no enclosing block uses`,
    hint: `indent it ${above} spaces (with the lines above it) or ${below}`,
  };
}

/** Opening minus closing brackets of flow collections, outside quotes. */
function bracketBalance(text: string): number {
  const bare = text.replace(/"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'/g, "");
  let balance = 0;
  for (const ch of bare) {
    if (ch === "[" || ch === "{") balance++;
    else if (ch === "]" || ch === "}") balance--;
  }
  return balance;
}
