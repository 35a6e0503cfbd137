// Every use of Node-RED's internals (files under @node-red/*/lib, prototypes it does not document)
// lives here, written against one Node-RED version. A test (test/unit/node-red/internals.test.ts)
// fails when the installed version differs, naming each entry of NODE_RED_INTERNALS to re-check.
import path from "node:path";

/** The Node-RED release the code below was read against and tested with. */
export const NODE_RED_VERSION_WRITTEN_FOR = "4.1.15";

/** One internal this file relies on: where it is, and what to re-read when Node-RED changes. */
export interface NodeRedInternal {
  readonly name: string;
  /** The file inside node_modules that holds it. */
  readonly file: string;
  readonly recheck: string;
}

export const NODE_RED_INTERNALS: readonly NodeRedInternal[] = [
  {
    name: "Flow.prototype.handleError (patchUncaughtErrors)",
    file: "@node-red/runtime/lib/flows/Flow.js",
    recheck:
      "still a class method taking (node, logMessage, msg, reportingNode), returning true when a Catch node took the error, with this.TYPE 'flow' for a top-level flow",
  },
  {
    name: "Node.prototype.metric (skipUnwantedMetrics)",
    file: "@node-red/runtime/lib/nodes/Node.js",
    recheck:
      "still called as metric(event, msg, value) on every send/receive/done, metric() with no argument still asks @node-red/util log.metric() whether metrics are on",
  },
  {
    name: "localfilesystem library (nodeRedLibrary)",
    file: "@node-red/runtime/lib/storage/localfilesystem/library.js",
    recheck: "still exports init({ userDir, readOnly }), getLibraryEntry and saveLibraryEntry",
  },
  {
    name: "start notices (isStartNotice)",
    file: "@node-red/runtime/locales/en-US/runtime.json",
    recheck:
      "the key nodes.credentials.encryptedNotFound still names the warning credentials.js logs when credentials.json is missing or not encrypted yet",
  },
  {
    name: "a refused deploy's stack (isRefusalStack)",
    file: "@node-red/runtime/lib/api/flows.js",
    recheck:
      "setFlows still logs a failed save as 'Error saving flows: <message>' at warn, then the error's stack (err.stack) as a warn line of its own",
  },
  {
    name: "core nodes folder (coreNodesDir)",
    file: "@node-red/nodes/core",
    recheck: "the core nodes still live in @node-red/nodes/core as .html/.js pairs",
  },
];

/** The version of the node-red package that is installed. */
export function installedNodeRedVersion(): string {
  return (require("node-red/package.json") as { version: string }).version;
}

/** The node that reported an error. */
export interface FlowNode {
  readonly id: string;
  readonly name?: string;
  readonly type?: string;
}

/**
 * Called for an error a node of a job's flow reported and no Catch node handled. Returns true when
 * the error failed its job, which then logs it: Node-RED does not log it a second time.
 */
export type UncaughtErrorHandler = (
  msg: Record<string, unknown>,
  error: unknown,
  node: FlowNode,
) => boolean;

interface FlowInternals {
  TYPE: string;
  handleError(
    node: { name?: string; type?: string; id: string },
    logMessage: unknown,
    msg?: unknown,
    reporter?: unknown,
  ): boolean;
}

let uncaughtHandler: UncaughtErrorHandler | undefined;

/**
 * Node-RED offers no hook for "an error no Catch node handled": a node that calls `done(err)` or
 * `node.error(err, msg)` with no Catch in its flow is only logged. The job would then sit until its
 * timeout. So we wrap the flow's error routing: when a top-level flow reports an error unhandled and
 * the message belongs to a job, `handler` is called, and what it returns is whether the error counts
 * as handled (Node-RED logs an unhandled one). Installed once; a later call replaces the handler.
 */
export function patchUncaughtErrors(handler: UncaughtErrorHandler): void {
  const installed = uncaughtHandler !== undefined;
  uncaughtHandler = handler;
  if (installed) return;
  const { Flow } = require("@node-red/runtime/lib/flows/Flow") as {
    Flow: { prototype: FlowInternals };
  };
  const original = Flow.prototype.handleError;
  Flow.prototype.handleError = function (this: FlowInternals, node, logMessage, msg, reporter) {
    const handled = original.call(this, node, logMessage, msg, reporter);
    if (handled || this.TYPE !== "flow" || !isJobMessage(msg)) return handled;
    return (
      uncaughtHandler?.(msg, logMessage, {
        id: node.id,
        ...(node.name && { name: node.name }),
        ...(node.type && { type: node.type }),
      }) ?? false
    );
  };
}

function isJobMessage(msg: unknown): msg is Record<string, unknown> {
  return typeof msg === "object" && msg !== null && "job" in msg;
}

let metricsPatched = false;

/**
 * Node-RED records a metric event at every send, receive and done of every message: a log record
 * built (an object, its event name concatenated, a timestamp) and offered to each log handler,
 * which drops it unless metrics logging is on. The runtime turns it off (`logging.metrics`), so
 * these records are pure cost on the path of every job: three per `job in → job out` run, about
 * 1 µs. Node.metric() with no arguments (Node-RED's "are metrics on?") and every metric while
 * metrics are on still go through.
 */
export function skipUnwantedMetrics(): void {
  if (metricsPatched) return;
  metricsPatched = true;
  const Node = require("@node-red/runtime/lib/nodes/Node") as {
    prototype: { metric(this: unknown, event?: string, msg?: unknown, value?: unknown): unknown };
  };
  const { log } = require("@node-red/util") as { log: { metric(): boolean } };
  const original = Node.prototype.metric;
  Node.prototype.metric = function (this: unknown, event, msg, value) {
    if (event !== undefined && !log.metric()) return undefined;
    return original.call(this, event, msg, value);
  };
}

/** Node-RED's file library (the editor's Import/Export → Library), kept in `<userDir>/lib`. */
export interface NodeRedLibrary {
  getLibraryEntry(type: string, entryPath: string): Promise<unknown>;
  saveLibraryEntry(
    type: string,
    entryPath: string,
    meta: Record<string, unknown>,
    body: string,
  ): Promise<void>;
}

interface LibraryModule extends NodeRedLibrary {
  init(settings: { userDir: string; readOnly: boolean }): Promise<void>;
}

/**
 * Node-RED's own library store, reused rather than rewritten: its on-disk format (meta lines heading
 * each file) is what the editor expects. It is a module singleton, like Node-RED itself.
 */
export async function nodeRedLibrary(settings: {
  userDir: string;
  readOnly: boolean;
}): Promise<NodeRedLibrary> {
  const library = require("@node-red/runtime/lib/storage/localfilesystem/library") as LibraryModule;
  await library.init(settings);
  return library;
}

/** Folder of Node-RED's core nodes (inject, change, debug, …) in the installed @node-red/nodes. */
export function coreNodesDir(): string {
  return path.join(path.dirname(require.resolve("@node-red/nodes/package.json")), "core");
}

/**
 * Warnings Node-RED logs at every start that ask nothing of the operator, by message key:
 * "Encrypted credentials not found" comes whenever no node credential has been saved yet (or they
 * are not encrypted yet); Node-RED encrypts them on the next save with `credentialSecret`.
 */
const START_NOTICES = ["nodes.credentials.encryptedNotFound"];

/** Whether `message` is one of START_NOTICES, in the language Node-RED logs in. */
export function isStartNotice(message: string): boolean {
  const { log } = require("@node-red/util") as { log: { _(key: string): string } };
  return START_NOTICES.some((key) => log._(key) === message);
}

/**
 * Whether a Node-RED log line is the stack trace it logs after a deploy our storage refused (the
 * refusal itself is logged on the line before it): a user's mistake, not a fault to debug.
 */
export function isRefusalStack(message: string): boolean {
  return message.startsWith("ChatiaError [CF_FLOW_DEPLOY_REFUSED]:");
}
