// Node-RED's storage module (settings.storageModule) for chatia-flow: flows live in the project's
// flows/ folder, one reviewable file per tab (see flow-files.ts); everything else Node-RED keeps —
// credentials, runtime settings, editor sessions, the library — lives in userDir, never in flows/.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { ChatiaError } from "../../errors";
import { readIfExists, replaceFile } from "./durable-file";
import {
  carriedFlowId,
  flowIdOfTab,
  formatFlowFileProblem,
  type NodeRedNode,
  readFlowDir,
  splitNodeRedFlows,
  toNodeRedFlows,
  withFlowId,
  writeFlowDir,
} from "./flow-files";
import { type NodeRedLibrary, nodeRedLibrary } from "./node-red-module";

export interface FlowStorageOptions {
  /** The folder of flow files (`<flow-id>.json`, `_config.json`). */
  readonly flowsDir: string;
  /** Node-RED's private folder: credentials.json, settings.json, sessions.json, lib/. */
  readonly userDir: string;
  /**
   * Called after a deploy is written, with the flows as Node-RED deployed them (to publish them to
   * workers). If it throws, the editor reports the deploy as failed, though the files are written.
   */
  readonly onSave?: (flat: NodeRedNode[]) => Promise<void>;
  /** Flows published elsewhere (by the api process): when it returns some, they are used instead of flowsDir. */
  readonly load?: () => Promise<NodeRedNode[] | undefined>;
  /**
   * Whether a deploy is written to flowsDir. A worker's deploys are the api's published flows: they
   * are checked but not written, so its flows/ (perhaps the api's own folder) stays what the
   * operator reviewed, whatever Redis carried. @defaultValue true
   */
  readonly writeDeploys?: boolean;
  /**
   * Checks a deploy's whole set of flows before anything is written: any problem refuses the deploy
   * (nothing written, nothing restarted, nothing published). Each is one readable sentence.
   * @defaultValue only the split into files is checked
   */
  readonly check?: (flat: readonly NodeRedNode[]) => readonly { readonly message: string }[];
  /**
   * Moves settings saved under old names to their new ones, on load and on deploy; returns one
   * line per setting moved, which is logged (and files read with one are rewritten once).
   */
  readonly migrate?: (flat: readonly NodeRedNode[]) => {
    nodes: NodeRedNode[];
    renamed: { readonly nodeId: string; readonly message: string }[];
  };
}

/** Node-RED encrypts credentials into `{ "$": "…" }` unless `credentialSecret` is false. */
export type Credentials = Record<string, unknown>;

/**
 * The storage API Node-RED 4.1 calls (see @node-red/runtime/lib/storage/index.js). Every function must be
 * an own property: Node-RED looks for getSettings/getSessions with hasOwnProperty, so a class would not do.
 */
export interface NodeRedStorageModule extends NodeRedLibrary {
  init(settings: NodeRedSettings, runtime: NodeRedRuntime): Promise<void>;
  /** The flat node array; Node-RED adds the credentials and the revision (sha256 of the flows' JSON). */
  getFlows(): Promise<NodeRedNode[]>;
  /** Gets the flat array of a deploy, credentials already taken out (they go to saveCredentials). */
  saveFlows(flows: NodeRedNode[], user?: unknown): Promise<void>;
  getCredentials(): Promise<Credentials>;
  saveCredentials(credentials: Credentials): Promise<void>;
  getSettings(): Promise<Record<string, unknown>>;
  saveSettings(settings: Record<string, unknown>): Promise<void>;
  getSessions(): Promise<Record<string, unknown>>;
  saveSessions(sessions: Record<string, unknown>): Promise<void>;
}

/** What init reads of Node-RED's settings. */
export interface NodeRedSettings {
  readonly readOnly?: boolean;
}

/** What init keeps of Node-RED's runtime: its log, for the problems of flow files and saves. */
export interface NodeRedRuntime {
  readonly log: { warn(message: string): void; info(message: string): void };
}

/** Secrets (credentials, the credential key in settings, session tokens): readable by the owner only. */
const PRIVATE = 0o600;

export function createFlowStorage(options: FlowStorageOptions): NodeRedStorageModule {
  const { flowsDir, userDir } = options;
  const userFile = (name: string) => path.join(userDir, name);
  const serial = serializer();
  let log: NodeRedRuntime["log"] = { warn: () => undefined, info: () => undefined };
  let readOnly = false;
  let library: NodeRedLibrary | undefined;
  /** Files a deploy may replace or delete: those read without problems or written (see writeFlowDir). */
  let managed: ReadonlySet<string> | undefined;

  const migrate = (flat: readonly NodeRedNode[]) =>
    options.migrate?.(flat) ?? { nodes: [...flat], renamed: [] };

  /** Tab id → the flow id (file) it was last read from or saved to: a tab's identity, not its label. */
  const flowOfTab = new Map<string, string>();
  /**
   * A tab without a CHATIA_FLOW_ID of its own whose label no longer gives the file it came from
   * (it was renamed) gets that file's flow id recorded, so the rename changes its label only.
   * Tabs whose label still gives their file are left as they are: nothing to write.
   */
  const withIdentity = (flat: readonly NodeRedNode[]): NodeRedNode[] =>
    flat.map((node) => {
      if (node.type !== "tab" || carriedFlowId(node) !== undefined) return node;
      const known = flowOfTab.get(node.id);
      if (known === undefined || flowIdOfTab(node) === known) return node;
      return withFlowId(node, known);
    });
  const remember = (files: ReadonlyMap<string, readonly NodeRedNode[]>) => {
    for (const [file, nodes] of files) {
      const tab = nodes.find((n) => n.type === "tab");
      if (tab !== undefined) flowOfTab.set(tab.id, file.replace(/\.json$/, ""));
    }
  };

  const readFlows = async (): Promise<NodeRedNode[]> => {
    const set = await readFlowDir(flowsDir);
    for (const problem of set.problems)
      log.warn(`flow file skipped: ${formatFlowFileProblem(problem)}`);
    managed = set.files;
    remember(set.flows);
    const { nodes, renamed } = migrate(withIdentity(toNodeRedFlows(set)));
    if (renamed.length > 0) await saveRenamed(nodes, renamed);
    return nodes;
  };

  /** The one-time rename: the files holding a renamed setting are written back with the new names. */
  const saveRenamed = async (
    flat: NodeRedNode[],
    renamed: readonly { nodeId: string; message: string }[],
  ): Promise<void> => {
    for (const r of renamed) log.warn(`flows: ${r.message}`);
    if (readOnly) return;
    const split = splitNodeRedFlows(flat);
    if (split.problems.length > 0) return;
    const renamedIds = new Set(renamed.map((r) => r.nodeId));
    const touched = [...split.files].filter(([, nodes]) => nodes.some((n) => renamedIds.has(n.id)));
    const result = await serial("flows", () =>
      writeFlowDir(flowsDir, new Map(touched), { managed: [] }),
    );
    log.info(`flows saved with renamed settings: ${describeWrite(result)}`);
  };

  return {
    async init(settings, runtime) {
      log = runtime.log;
      readOnly = settings.readOnly === true;
      await mkdir(userDir, { recursive: true });
      library = await nodeRedLibrary({ userDir, readOnly });
    },
    async getFlows() {
      return (await options.load?.()) ?? readFlows();
    },
    async saveFlows(deployed) {
      if (readOnly) return;
      const { nodes: flows, renamed } = migrate(withIdentity(deployed));
      for (const r of renamed) log.warn(`deploy: ${r.message}`);
      const split = splitNodeRedFlows(flows);
      const problems = options.check ? options.check(flows) : split.problems;
      if (problems.length > 0) throw deployRefused(problems);
      if (options.writeDeploys === false) return;
      managed ??= (await readFlowDir(flowsDir)).files;
      const result = await serial("flows", () => writeFlowDir(flowsDir, split.files, { managed }));
      managed = new Set(split.files.keys());
      remember(split.files);
      if (result.written.length + result.deleted.length === 0) return;
      log.info(`flows saved to ${flowsDir}: ${describeWrite(result)}`);
      // Workers hear of real changes only: a deploy that changed no file restarts none of them.
      await options.onSave?.(flows);
    },
    getCredentials: () => readJson(userFile("credentials.json")),
    saveCredentials: (credentials) =>
      writeJson(userFile("credentials.json"), credentials, !readOnly),
    getSettings: () => readJson(userFile("settings.json")),
    saveSettings: (settings) => writeJson(userFile("settings.json"), settings, !readOnly),
    getSessions: () => readJson(userFile("sessions.json")),
    saveSessions: (sessions) => writeJson(userFile("sessions.json"), sessions, !readOnly),
    getLibraryEntry: (type, entryPath) => requireLibrary(library).getLibraryEntry(type, entryPath),
    saveLibraryEntry: (type, entryPath, meta, body) =>
      requireLibrary(library).saveLibraryEntry(type, entryPath, meta, body),
  };

  async function readJson(file: string): Promise<Record<string, unknown>> {
    const text = await readIfExists(file);
    if (text === undefined) return {};
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
    }
  }

  async function writeJson(file: string, data: unknown, enabled: boolean): Promise<void> {
    if (!enabled) return;
    await serial(file, () => replaceFile(file, `${JSON.stringify(data, null, 4)}\n`, PRIVATE));
  }
}

/**
 * The error the editor shows as "Deploy failed: …" (the chatia nodes' editor script turns it into a
 * list, see job-in.html): its message lists every problem. Node-RED puts it into the page as HTML,
 * so angle brackets a label may hold are replaced.
 */
function deployRefused(problems: readonly { readonly message: string }[]): ChatiaError {
  const list = problems.map((p, i) =>
    problems.length > 1 ? `(${i + 1}) ${p.message}` : p.message,
  );
  const message = `deploy refused, nothing was saved: ${list.join(" ")}`;
  return new ChatiaError("CF_FLOW_DEPLOY_REFUSED", message.replace(/</g, "‹").replace(/>/g, "›"), {
    details: problems,
  });
}

function describeWrite(result: { written: string[]; deleted: string[] }): string {
  const parts = [];
  if (result.written.length > 0) parts.push(`wrote ${result.written.join(", ")}`);
  if (result.deleted.length > 0) parts.push(`deleted ${result.deleted.join(", ")}`);
  return parts.join("; ");
}

function requireLibrary(library: NodeRedLibrary | undefined): NodeRedLibrary {
  if (library === undefined) throw new Error("the flow storage is used before init()");
  return library;
}

/** Runs writes of one key one after another, so that two saves never race on the same temporary file. */
function serializer(): <T>(key: string, task: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return (key, task) => {
    const run = (tails.get(key) ?? Promise.resolve()).then(task, task);
    tails.set(
      key,
      run.catch(() => undefined),
    );
    return run;
  };
}
