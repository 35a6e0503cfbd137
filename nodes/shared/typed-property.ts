// Reads a node's typed-input properties (msg, flow, global, env, str, num, bool, json, jsonata)
// for one message, and checks the plain values nodes pass on to services.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";

/** The property's value for `msg`; undefined when it is left empty (an empty `str` is "" though). */
export function evaluateProperty(
  RED: NodeAPI,
  node: Node,
  msg: NodeMessage,
  value: string | undefined,
  type: string | undefined,
): Promise<unknown> {
  if (value === undefined || (value === "" && type !== "str")) return Promise.resolve(undefined);
  if (type === undefined || type === "msg")
    return Promise.resolve(messageProperty(RED, msg, value));
  return new Promise((resolve, reject) => {
    RED.util.evaluateNodeProperty(value, type ?? "str", node, msg, (err, result) =>
      err
        ? reject(
            new ChatiaError(
              "CF_NODE_INPUT",
              `${whereOf(value, type)} could not be read: ${err.message}`,
            ),
          )
        : resolve(result),
    );
  });
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
