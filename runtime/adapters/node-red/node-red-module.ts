// The parts of the node-red package that chatia-flow uses, typed for Node-RED 4.1 (its own typings
// stop at 1.3). This folder is the only place that loads node-red; everything else goes through here.
import type { EventEmitter } from "node:events";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { NodeRedNode } from "./flow-format";

// Node-RED's library store is one of its internals (internals.ts); re-exported for flow-storage.ts.
export { type NodeRedLibrary, nodeRedLibrary } from "./internals";

/** One deploy as the runtime API takes it. `rev`, when given, must be the running revision (else 409). */
export interface FlowsDeploy {
  readonly flows: { readonly flows: readonly NodeRedNode[]; readonly rev?: string };
  /** @defaultValue "full" */
  readonly deploymentType?: "full" | "nodes" | "flows" | "reload";
  readonly user?: unknown;
}

/** A node module as the registry lists it (`RED.nodes.getNodeList()`). */
export interface NodeSetInfo {
  readonly id: string;
  readonly module: string;
  readonly types: readonly string[];
  readonly enabled: boolean;
  readonly loaded: boolean;
  readonly err?: string;
}

/**
 * Node-RED's message hooks (`RED.hooks`): `add("onReceive.label", fn)`, `remove("*.label")`. A hook
 * point with no handler costs nothing; one with a handler runs it for every message.
 */
export interface NodeRedHooks {
  add(hook: string, handler: (event: never) => void): void;
  remove(hook: string): void;
}

/** The embedded Node-RED (`require("node-red")`): one per process, never restarted once stopped. */
export interface NodeRed {
  init(server: Server | null, settings: Record<string, unknown>): void;
  /** Resolves before the flows run: wait for the `flows:started` event. */
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly events: EventEmitter;
  readonly hooks: NodeRedHooks;
  /** The editor and admin API, an Express 4 app; `undefined` when httpAdminRoot is false. */
  readonly httpAdmin: (
    req: IncomingMessage,
    res: ServerResponse,
    next?: (err?: unknown) => void,
  ) => void;
  readonly nodes: {
    /** The running flows, as last loaded or deployed. */
    getFlows(): { readonly flows: NodeRedNode[]; readonly rev: string } | null;
    getNodeList(): NodeSetInfo[];
    /** A running node by id (its tab in `z`), or null. */
    getNode(id: string): { readonly id: string; readonly z?: string } | null;
  };
  readonly runtime: {
    readonly flows: {
      setFlows(deploy: FlowsDeploy): Promise<{ rev: string }>;
    };
  };
}

export function loadNodeRed(): NodeRed {
  return require("node-red") as NodeRed;
}
