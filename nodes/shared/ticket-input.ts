// What the ticket nodes share: reading a set of rows from a message property, checking it, and
// running one service call per message with the standard status dots and done() once.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import { failMessage } from "./fail";
import { isUnset, messageProperty, requireId } from "./typed-input";

/** Rows of a set-based step: objects carrying at least a positive whole `id` or `ticketId`. */
export type Row = Record<string, unknown>;

/** The array at `msg.<property>` (default `payload`); anything else is CF_NODE_INPUT. */
export function readRows(RED: NodeAPI, msg: NodeMessage, property: string | undefined): Row[] {
  const path = property || "payload";
  const value = messageProperty(RED, msg, path);
  if (!Array.isArray(value) || value.some((row) => typeof row !== "object" || row === null)) {
    throw new ChatiaError(
      "CF_NODE_INPUT",
      `msg.${path} must be an array of objects, got ${describe(value)}`,
    );
  }
  return value as Row[];
}

/** Company ids from `msg.<property>`: an array of ids or of objects with an `id`. */
export function readIds(RED: NodeAPI, msg: NodeMessage, property: string): number[] {
  const value = messageProperty(RED, msg, property);
  const ids = Array.isArray(value)
    ? value.map((v) => (typeof v === "object" && v !== null ? (v as Row).id : v))
    : undefined;
  if (ids === undefined || !ids.every((id) => Number.isSafeInteger(id) && (id as number) > 0)) {
    throw new ChatiaError(
      "CF_NODE_INPUT",
      `msg.${property} must be an array of company ids or of objects with an id, got ${describe(value)}`,
    );
  }
  return ids as number[];
}

/** A whole number >= 1 from an editor field, or undefined when the field is empty. */
export function optionalId(value: unknown, label: string): number | undefined {
  return isUnset(value) ? undefined : requireId(value, label);
}

/**
 * Runs `work` for the message: blue ring while it runs, green dot with `summary(result)` after,
 * `apply` puts the result on the message, which is sent on; an error goes to done(err).
 */
export function runStep<T>(
  node: Node,
  msg: NodeMessage,
  send: (msg: NodeMessage) => void,
  done: (err?: Error) => void,
  work: () => Promise<T>,
  apply: (msg: NodeMessage, result: T) => string,
): void {
  node.status({ fill: "blue", shape: "ring", text: "working…" });
  Promise.resolve()
    .then(work)
    .then(
      (result) => {
        node.status({ fill: "green", shape: "dot", text: apply(msg, result) });
        send(msg);
        done();
      },
      (err: unknown) => failMessage(node, done, err),
    );
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
