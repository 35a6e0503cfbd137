// Node-RED embedded in the runtime: one per process (Node-RED is a module singleton), its editor
// on the runtime's HTTP server, flows from flows/ through our storage module, and chatia's nodes.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import path from "node:path";
import type { NodeRedNode } from "./flow-format";
import { createFlowStorage, type FlowStorageOptions } from "./flow-storage";
import {
  isRefusalStack,
  isStartNotice,
  patchUncaughtErrors,
  skipUnwantedMetrics,
  type UncaughtErrorHandler,
} from "./internals";
import { loadNodeRed, type NodeRed } from "./node-red-module";

export interface EmbedOptions {
  /** The HTTP server the editor is served on; null for a worker without HTTP. */
  readonly server: Server | null;
  /** Where the editor lives (e.g. "/flows"); false for no editor. */
  readonly editorPath: string | false;
  readonly flowsDir: string;
  /** Node-RED's private folder (credentials, sessions, library). */
  readonly userDir: string;
  /** Folders of compiled chatia nodes. */
  readonly nodesDirs: readonly string[];
  /** Core node files Node-RED leaves out (palette.ts). @defaultValue [] */
  readonly excludedNodeFiles?: readonly string[];
  /**
   * What the nodes get from the runtime (runtime/flow-bridge/node-context.ts), put in Node-RED's
   * settings under `contextKey`; its dispatcher is told when flows start and stop.
   */
  readonly context: NodeContext;
  /** The settings key the nodes read `context` from (`RED.settings[contextKey]`). */
  readonly contextKey: string;
  /** Who may log in to the editor; absent only without an editor. */
  readonly admin?: EditorLogin;
  /** Key that encrypts node credentials at rest. */
  readonly credentialSecret: string;
  /** Called after a deploy is written to flows/ (to publish it to the workers). */
  readonly onDeploy?: (flows: NodeRedNode[]) => Promise<void>;
  /** Flows published by the api process; used instead of flows/ when it returns some. */
  readonly loadFlows?: () => Promise<NodeRedNode[] | undefined>;
  /** The check of every deploy, the rename of old setting names, whether deploys are written (see FlowStorageOptions). */
  readonly flowRules?: Pick<FlowStorageOptions, "check" | "migrate" | "writeDeploys">;
  /** An error a node of a job's flow reported and no Catch node handled (see internals.ts). */
  readonly onUncaughtError: UncaughtErrorHandler;
  /** Node-RED's log level. @defaultValue "warn" */
  readonly logLevel?: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "off";
  /** Where Node-RED's log lines go (the runtime's structured log). */
  readonly log?: NodeRedLogSink;
}

/** The editor's login: every user it accepts has full rights on the flows. */
export interface EditorLogin {
  /** Whether `username` with `password` may log in. */
  authenticate(username: string, password: string): Promise<boolean>;
  /** Whether `username` (of a session being restored) may still use the editor. */
  exists(username: string): Promise<boolean>;
}

export type NodeRedLogSink = (
  level: "error" | "warn" | "info" | "debug",
  fields: Record<string, unknown>,
  message: string,
) => void;

/** A line of Node-RED's log, as its log handlers receive it. */
interface NodeRedLogEvent {
  readonly level: number;
  readonly msg: unknown;
  readonly type?: string;
  readonly id?: string;
  readonly name?: string;
  readonly z?: string;
}

/** Node-RED's numeric levels: 10 fatal, 20 error, 30 warn, 40 info, 50 debug, 60 trace. */
function levelName(level: number): "error" | "warn" | "info" | "debug" {
  return level <= 20 ? "error" : level <= 30 ? "warn" : level <= 40 ? "info" : "debug";
}

function forwardLog(sink: NodeRedLogSink | undefined, event: NodeRedLogEvent): void {
  if (!sink) return;
  // A start notice that asks nothing of the operator, and the stack of a refused deploy, go to
  // debug (internals.ts).
  const level =
    typeof event.msg === "string" && (isStartNotice(event.msg) || isRefusalStack(event.msg))
      ? "debug"
      : levelName(event.level);
  const fields: Record<string, unknown> = { component: "node-red" };
  if (event.type) fields.nodeType = event.type;
  if (event.id) fields.nodeId = event.id;
  if (event.name) fields.nodeName = event.name;
  if (event.z) fields.flowId = event.z;
  const message =
    event.msg instanceof Error
      ? event.msg.message
      : typeof event.msg === "string"
        ? event.msg
        : JSON.stringify(event.msg);
  sink(level, fields, message);
}

export interface EmbeddedNodeRed {
  readonly red: NodeRed;
  /** From RED.start() to the flows running, ms. */
  readonly startupMs: number;
  /** The editor and admin API as Express middleware (mount it at `editorPath`). */
  readonly httpAdmin: NodeRed["httpAdmin"] | undefined;
  /** Replaces the running flows (a worker receiving a deploy); resolves once they run again. */
  setFlows(flows: readonly NodeRedNode[]): Promise<void>;
  /** Every node type the registry loaded. */
  nodeTypes(): Set<string>;
  stop(): Promise<void>;
}

let started = false;

/** Initialises and starts Node-RED; resolves when its flows are running. Once per process. */
export async function startNodeRed(options: EmbedOptions): Promise<EmbeddedNodeRed> {
  if (started) throw new Error("Node-RED is already embedded in this process");
  started = true;
  await prepareUserDir(options.userDir);
  const red = loadNodeRed();
  patchUncaughtErrors(options.onUncaughtError);
  skipUnwantedMetrics();
  red.init(options.server, settings(options));
  holdEntriesWhileStarting(red, options.context);
  const flowsRunning = nextFlowsStarted(red);
  const starting = performance.now();
  await red.start();
  await flowsRunning;
  const startupMs = performance.now() - starting;
  return {
    red,
    startupMs,
    httpAdmin: options.editorPath === false ? undefined : red.httpAdmin,
    async setFlows(flows) {
      const running = nextFlowsStarted(red);
      await red.runtime.flows.setFlows({ flows: { flows }, deploymentType: "flows" });
      await running;
    },
    nodeTypes: () =>
      new Set(red.nodes.getNodeList().flatMap((set) => (set.enabled ? [...set.types] : []))),
    stop: () => red.stop(),
  };
}

/** Node-RED expects a package.json in its userDir (its palette manager reads it). */
async function prepareUserDir(userDir: string): Promise<void> {
  await mkdir(userDir, { recursive: true, mode: 0o700 });
  const manifest = path.join(userDir, "package.json");
  if (!existsSync(manifest)) {
    await writeFile(
      manifest,
      `${JSON.stringify({ name: "chatia-flow-node-red", private: true, description: "Node-RED's private folder for chatia-flow" }, null, 2)}\n`,
    );
  }
}

/** Node-RED's custom `adminAuth`: users looked up and checked by the runtime. */
function adminAuth(login: EditorLogin): Record<string, unknown> {
  const user = (username: string) => ({ username, permissions: "*" });
  return {
    type: "credentials",
    users: async (username: string) => ((await login.exists(username)) ? user(username) : null),
    authenticate: async (username: string, password: string) =>
      (await login.authenticate(username, password)) ? user(username) : null,
  };
}

function settings(options: EmbedOptions): Record<string, unknown> {
  return {
    userDir: options.userDir,
    nodesDir: [...options.nodesDirs],
    nodesExcludes: [...(options.excludedNodeFiles ?? [])],
    storageModule: createFlowStorage({
      flowsDir: options.flowsDir,
      userDir: options.userDir,
      ...(options.onDeploy && { onSave: options.onDeploy }),
      ...(options.loadFlows && { load: options.loadFlows }),
      ...options.flowRules,
    }),
    httpAdminRoot: options.editorPath,
    // No `http in` endpoints: the runtime's HTTP server is its own API (and Express 5's).
    httpNodeRoot: false,
    httpStatic: false,
    ...(options.admin && { adminAuth: adminAuth(options.admin) }),
    credentialSecret: options.credentialSecret,
    functionExternalModules: false,
    externalModules: {
      autoInstall: false,
      palette: { allowInstall: false },
      modules: { allowInstall: false },
    },
    diagnostics: { enabled: false },
    telemetry: { enabled: false },
    editorTheme: {
      page: { title: "chatia-flow" },
      header: { title: "chatia-flow" },
      projects: { enabled: false },
      tours: false,
      palette: { catalogues: [] },
    },
    // Messages go from node to node synchronously rather than through setImmediate: each hop
    // otherwise waits for a turn of the event loop, which costs a busy worker ~20% of its
    // throughput (bench/dispatch.ts). A loop must then yield on a timer, or it would hold the
    // event loop: the flow checks refuse loops without a delay or trigger node (flow-loops.ts).
    // CHATIA_NODE_RED_ASYNC=1 restores Node-RED's default.
    runtimeSyncDelivery: process.env.CHATIA_NODE_RED_ASYNC !== "1",
    logging: {
      // Node-RED's console logger would print plain text lines; ours go into the runtime's JSON log.
      console: { level: "off" },
      chatia: {
        level: options.logLevel ?? "warn",
        metrics: false,
        audit: false,
        handler: () => (event: NodeRedLogEvent) => forwardLog(options.log, event),
      },
    },
    [options.contextKey]: options.context,
  };
}

/** What this adapter needs of the nodes' context: the dispatcher, told of flows starting and stopping. */
export interface NodeContext {
  readonly dispatcher: {
    startingFlows(): void;
    flowsStarted(): void;
    nodesRestarting(flowIds: ReadonlySet<string>): void;
  };
}

/** The dispatcher hands jobs only to flows that Node-RED has finished starting (see `register`). */
function holdEntriesWhileStarting(red: NodeRed, context: NodeContext): void {
  red.events.on("flows:starting", () => context.dispatcher.startingFlows());
  red.events.on("flows:started", () => context.dispatcher.flowsStarted());
  red.events.on("flows:stopping", (event: FlowsStopping) => {
    if (event.type !== "nodes") return; // a flows or full deploy restarts the `job in` too
    const stopped = [...event.diff.changed, ...event.diff.removed];
    const flowIds = new Set(stopped.map((id) => red.nodes.getNode(id)?.z ?? ""));
    flowIds.delete("");
    if (flowIds.size > 0) context.dispatcher.nodesRestarting(flowIds);
  });
}

/** Node-RED's `flows:stopping` event: which nodes a deploy is about to stop (changed, removed). */
interface FlowsStopping {
  readonly type: "full" | "flows" | "nodes";
  readonly diff: { readonly changed: readonly string[]; readonly removed: readonly string[] };
}

/**
 * Resolves when Node-RED has started its flows, or has said it starts none because a node type is
 * missing (it waits for it; the runtime holds every job then, see checked-manifest.ts, and the
 * editor is where the node is removed).
 */
function nextFlowsStarted(red: NodeRed): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      red.events.removeListener("flows:started", done);
      red.events.removeListener("runtime-event", onRuntimeEvent);
      resolve();
    };
    const onRuntimeEvent = (event: { id?: string; payload?: { error?: string } }) => {
      if (event.id === "runtime-state" && event.payload?.error === "missing-types") done();
    };
    red.events.on("flows:started", done);
    red.events.on("runtime-event", onRuntimeEvent);
  });
}
