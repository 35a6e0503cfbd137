// Which node failed a job, carried where Bull keeps a failed job's story: its reason (the error's
// message) ends with `(at node "<label>" <id>)`, and each attempt's stack trace opens with
// `ChatiaError [<code>]:` (see ChatiaError). The editor's jobs tab reads both back.
import { ChatiaError, isErrorCode } from "../errors";

/** The node of a flow that reported an error, as Node-RED knows it. */
export interface FailingNode {
  readonly id: string;
  readonly name?: string;
  readonly type?: string;
}

/**
 * An error a node reported (and no Catch node handled), as the job's failure: a coded error keeps
 * its code and kind, anything else is CF_FLOW_ERROR (unexpected); the message says which node.
 */
export function nodeFailure(cause: unknown, node: FailingNode): ChatiaError {
  const message = cause instanceof Error ? cause.message : String(cause);
  const where = atNode(node);
  const text = message.endsWith(where) ? message : `${message} ${where}`;
  const coded = cause as { code?: unknown; kind?: unknown; details?: unknown } | null;
  if (cause instanceof Error && isErrorCode(coded?.code)) {
    const kind = coded?.kind === "user" || coded?.kind === "operational" ? coded.kind : undefined;
    return new ChatiaError(coded.code, text, {
      cause,
      ...(kind && { kind }),
      ...(coded?.details !== undefined && { details: coded.details }),
    });
  }
  return new ChatiaError("CF_FLOW_ERROR", text, { cause });
}

/** `(at node "send the message" 5e4d0003)`: the node's name, else its type. */
export function atNode(node: FailingNode): string {
  return `(at node ${JSON.stringify(node.name || node.type || node.id)} ${node.id})`;
}

/** What a failed job says of its failure: its code and the node, when it carries them. */
export interface FailureInfo {
  readonly code: string | null;
  readonly nodeId: string | null;
  readonly nodeLabel: string | null;
}

const AT_NODE = /\(at node ("(?:[^"\\]|\\.)*") (\S+)\)$/;
const CODE_IN_STACK = /^\w+ \[(CF_[A-Z0-9_]+)\]:/;

/** Reads a failed job's reason and stack traces (latest last) back into its code and node. */
export function failureInfo(
  reason: string | null | undefined,
  stacktrace: readonly string[] = [],
): FailureInfo {
  const at = AT_NODE.exec(reason ?? "");
  const latest = stacktrace[stacktrace.length - 1] ?? "";
  let label: string | null = null;
  if (at?.[1]) {
    try {
      label = JSON.parse(at[1]) as string;
    } catch {
      label = at[1];
    }
  }
  return {
    code: CODE_IN_STACK.exec(latest)?.[1] ?? null,
    nodeId: at?.[2] ?? null,
    nodeLabel: label,
  };
}
