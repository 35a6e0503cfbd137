// The one reader of a node's typed inputs (Node-RED's msg, flow, global, env, str, num, bool,
// json, jsonata… fields): a setting `<name>` holds the value, `<name>Type` its kind (filled in from
// the node's declaration by registerNode). Every chatia node reads its typed inputs here, and a
// value that cannot be read or does not fit is CF_NODE_INPUT naming the setting and where it was
// read (`company (msg.payload.companyId) …`). Also: the checks of the plain values nodes pass on.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";

/** One typed input of a node: its setting's name, its value and its kind. */
export interface TypedInput {
  readonly setting: string;
  readonly value: string | undefined;
  readonly type: string | undefined;
}

/** The typed input `setting` of a node's settings (`config[setting]`, `config[setting + "Type"]`). */
export function typedInput(config: object, setting: string): TypedInput {
  const c = config as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  return { setting, value: text(c[setting]), type: text(c[`${setting}Type`]) };
}

/** How an error names the input: its setting and where it was read, `company (msg.payload.companyId)`. */
export function describeInput(input: TypedInput): string {
  return `${input.setting} (${whereOf(input.value, input.type)})`;
}

/**
 * The input's value for `msg`; undefined when it is left empty (an empty `str` is "" though).
 * A `msg` path through a missing object reads as undefined; a kind Node-RED cannot evaluate
 * (bad JSON, a failing JSONata expression…) is CF_NODE_INPUT.
 */
export function readInput(
  RED: NodeAPI,
  node: Node,
  msg: NodeMessage,
  input: TypedInput,
): Promise<unknown> {
  const { value, type } = input;
  if (value === undefined || (value === "" && type !== "str")) return Promise.resolve(undefined);
  if (type === undefined || type === "msg")
    return Promise.resolve(messageProperty(RED, msg, value));
  return new Promise((resolve, reject) => {
    try {
      RED.util.evaluateNodeProperty(value, type, node, msg, (err, result) =>
        err ? reject(unreadable(input, err)) : resolve(result),
      );
    } catch (err) {
      reject(unreadable(input, err));
    }
  });
}

function unreadable(input: TypedInput, err: unknown): ChatiaError {
  const why = err instanceof Error ? err.message : String(err);
  return new ChatiaError("CF_NODE_INPUT", `${describeInput(input)} could not be read: ${why}`);
}

/** The values of several typed inputs of `config` for `msg`, by setting name. */
export async function readInputs<const K extends string>(
  RED: NodeAPI,
  node: Node,
  msg: NodeMessage,
  config: object,
  settings: readonly K[],
): Promise<Record<K, unknown>> {
  const values = await Promise.all(
    settings.map((s) => readInput(RED, node, msg, typedInput(config, s))),
  );
  return Object.fromEntries(settings.map((s, i) => [s, values[i]])) as Record<K, unknown>;
}

/** A typed input read as a number. */
export interface NumberInput extends TypedInput {
  /** Used when the input is empty or what it points to is not set. */
  readonly fallback: number;
  /** Only whole numbers are accepted. @defaultValue false */
  readonly whole?: boolean;
}

/** The input's value as a number >= 0 (numeric text too); anything else is CF_NODE_INPUT. */
export async function readNumber(
  RED: NodeAPI,
  node: Node,
  msg: NodeMessage,
  input: NumberInput,
): Promise<number> {
  const raw = await readInput(RED, node, msg, input);
  if (raw === undefined || raw === null || raw === "") return input.fallback;
  const n = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
  const ok = typeof n === "number" && Number.isFinite(n) && n >= 0;
  if (ok && (!input.whole || Number.isSafeInteger(n))) return n;
  throw new ChatiaError(
    "CF_NODE_INPUT",
    `${describeInput(input)} must be a ${input.whole ? "whole " : ""}number >= 0, got ${JSON.stringify(raw)}`,
  );
}

/**
 * `msg.<path>`, or undefined when the path runs through a missing object (`payload.data.number`
 * on a payload without `data`): Node-RED would throw a TypeError, which a job would take for a bug.
 * The node then reports the value as missing (CF_NODE_INPUT), naming its setting and the path.
 */
export function messageProperty(RED: NodeAPI, msg: NodeMessage, path: string): unknown {
  try {
    return RED.util.getMessageProperty(msg, path) as unknown;
  } catch {
    return undefined;
  }
}

/** How a property is shown in an error: `msg.payload.id`, or a literal as JSON. */
export function whereOf(value: string | undefined, type: string | undefined): string {
  if (type === "str" || type === "num" || type === "bool") return JSON.stringify(value ?? "");
  return `${type ?? "msg"}.${value ?? ""}`;
}

/** Nothing given: undefined, null or an empty string. */
export function isUnset(value: unknown): value is undefined | null | "" {
  return value === undefined || value === null || value === "";
}

/** A whole number >= 1 (numeric strings too); anything else is CF_NODE_INPUT. */
export function requireId(value: unknown, what: string): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n === "number" && Number.isSafeInteger(n) && n >= 1) return n;
  throw new ChatiaError(
    "CF_NODE_INPUT",
    `${what} must be a whole number >= 1, got ${value === undefined ? "nothing" : JSON.stringify(value)}`,
  );
}

/** Like requireId, but unset gives null. */
export function optionalIdOrNull(value: unknown, what: string): number | null {
  return isUnset(value) ? null : requireId(value, what);
}

/** A string (numbers are written out); unset is CF_NODE_INPUT unless `fallback` is given. */
export function requireText(value: unknown, what: string, fallback?: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (isUnset(value) && fallback !== undefined) return fallback;
  throw new ChatiaError(
    "CF_NODE_INPUT",
    `${what} must be text, got ${value === undefined ? "nothing" : JSON.stringify(value)}`,
  );
}

/** A plain object; anything else is CF_NODE_INPUT. */
export function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  throw new ChatiaError(
    "CF_NODE_INPUT",
    `${what} must be an object, got ${value === undefined ? "nothing" : JSON.stringify(value)}`,
  );
}
