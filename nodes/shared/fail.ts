// How a chatia node reports a failed message: a red status with the error's code, and done(err)
// with the error untouched (the runtime reads its code and kind to decide on a retry).
import type { Node } from "node-red";

export function failMessage(node: Node, done: (err?: Error) => void, err: unknown): void {
  // By shape, not instanceof: the service may come from another copy of the runtime modules.
  const coded = (err as { code?: unknown } | undefined)?.code;
  node.status({ fill: "red", shape: "ring", text: typeof coded === "string" ? coded : "error" });
  done(err instanceof Error ? err : new Error(String(err)));
}
