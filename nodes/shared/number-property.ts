// Reads a node's typed-input number property (num, msg, flow, global or env) for one message.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";

export interface NumberProperty {
  /** The editor's label of the property, used in error messages (e.g. "idle minutes"). */
  readonly label: string;
  readonly value: string | undefined;
  readonly type: string | undefined;
  /** Used when the property is empty or what it points to is not set. */
  readonly fallback: number;
  /** Only whole numbers are accepted. @defaultValue false */
  readonly whole?: boolean;
}

/** The property's value as a number >= 0; anything else is CF_NODE_INPUT (a user error). */
export async function evaluateNumber(
  RED: NodeAPI,
  node: Node,
  msg: NodeMessage,
  property: NumberProperty,
): Promise<number> {
  const { value, type = "num" } = property;
  const raw =
    value === undefined || value === ""
      ? undefined
      : await new Promise<unknown>((resolve, reject) => {
          RED.util.evaluateNodeProperty(value, type, node, msg, (err, result) =>
            err ? reject(err) : resolve(result),
          );
        });
  if (raw === undefined || raw === null || raw === "") return property.fallback;
  const n = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
  const ok = typeof n === "number" && Number.isFinite(n) && n >= 0;
  if (ok && (!property.whole || Number.isSafeInteger(n))) return n;
  const where = type === "num" ? JSON.stringify(value) : `${type}.${value}`;
  throw new ChatiaError(
    "CF_NODE_INPUT",
    `${property.label} (${where}) must be a ${property.whole ? "whole " : ""}number >= 0, got ${JSON.stringify(raw)}`,
  );
}
