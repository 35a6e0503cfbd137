// Chatia nodes under Node-RED's own node test helper (node-red-node-test-helper): the real
// Node-RED runtime loads the node into a flow, wires each of its outputs to a `helper` node and
// feeds it messages; the node reaches real services (buildServices over a migrated Postgres
// database, a Redis prefix of its own, the repository's jobs.yaml, the simulated WhatsApp driver)
// through the node context, as in the runtime. What a test reads of a run: what the node sent on
// each output (and the helper nodes received), its status dots, and each call of done().
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { afterAll, afterEach, beforeAll } from "vitest";
import { migrateUp } from "../../runtime/adapters/db";
import { SequelizeOwnerStore } from "../../runtime/adapters/db/repositories/owner-store";
import { attachSocketServer } from "../../runtime/adapters/socket";
import { SimulatedWhatsApp } from "../../runtime/adapters/whatsapp";
import { buildServices } from "../../runtime/app/services";
import { compile, type Plan } from "../../runtime/compile";
import { Dispatcher } from "../../runtime/flow-bridge/dispatcher";
import {
  type ChatiaNodeContext,
  type ChatiaServices,
  SETTINGS_KEY,
} from "../../runtime/flow-bridge/node-context";
import { parseManifest } from "../../runtime/manifest";
import { QueueRuntime } from "../../runtime/queues/queue-runtime";
import { Ownership } from "../../runtime/tenancy/ownership";
import { createTestDatabase, type TestDatabase } from "./database";
import { waitUntil } from "./private-services";
import { createTestRedis, type TestRedis } from "./redis";
import { type TestRows, testRows } from "./rows";
import { type CompanySocket, connectCompanySocket } from "./socket";

/** What the test helper exposes (it ships no types). */
interface NodeTestHelper {
  init(runtimePath?: string): void;
  settings(settings: Record<string, unknown>): Record<string, unknown>;
  load(
    register: ((RED: NodeAPI) => void) | ((RED: NodeAPI) => void)[],
    flow: Record<string, unknown>[],
  ): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): TestNode | null;
}

/** A node of the running flow, with the helper's spies on Node.prototype's methods. */
type TestNode = Node & {
  receive(msg: Record<string, unknown>): void;
  _complete(msg: NodeMessage, err?: Error): void;
};

interface Spy {
  getCalls(): { thisValue: unknown; args: unknown[] }[];
}

// The helper is a CommonJS module without types: required, and typed by NodeTestHelper above.
export const helper: NodeTestHelper = require("node-red-node-test-helper");
helper.init(require.resolve("node-red"));

export const ROOT = path.resolve(__dirname, "../..");
export const MANIFEST = path.join(ROOT, "jobs.yaml");

export interface Status {
  fill?: string;
  shape?: string;
  text?: string;
}

/** The result of one message: what went out of each output, and the error given to done(). */
export interface Outcome {
  /** For each output, the messages sent on it (a send of an array on one output counts each). */
  readonly outputs: NodeMessage[][];
  /** The first output's first message, for single-output nodes. */
  readonly sent: (NodeMessage & Record<string, unknown>) | undefined;
  readonly error: (Error & { code?: string }) | undefined;
}

export interface LoadedNode {
  readonly node: TestNode;
  /** The node's status calls so far, oldest first. */
  statuses(): Status[];
  /** The node's error() and warn() calls so far (their first argument). */
  errors(): unknown[];
  warnings(): unknown[];
  /** Every call of done() so far: undefined for success, else its error. */
  readonly doneCalls: (Error | undefined)[];
  /** Sends `msg` in and resolves at the node's first done() for it, once its sends arrived. */
  receive(msg: Record<string, unknown>): Promise<Outcome>;
}

/** The calls of the helper's spy on a Node method made by `node` (none for a node wired to nothing's send). */
function spyCalls(node: TestNode, method: "status" | "error" | "warn" | "send"): unknown[][] {
  const spy = node[method] as unknown as Partial<Spy>;
  if (typeof spy.getCalls !== "function") return [];
  return spy
    .getCalls()
    .filter((c) => c.thisValue === node)
    .map((c) => c.args);
}

/** Puts `context` where chatia nodes read it (RED.settings.chatia) for the next helper.load. */
export function useContext(context: ChatiaNodeContext): void {
  helper.settings({ [SETTINGS_KEY]: context });
}

/** One node of a test flow: its module, type, settings and how many outputs it has. */
export interface NodeSpec {
  readonly register: (RED: NodeAPI) => void;
  readonly type: string;
  readonly config?: Record<string, unknown>;
  /** @defaultValue 1 */
  readonly outputs?: number;
}

/**
 * Loads a flow of the node `type` (from `register`) with `config`, its `outputs` outputs each
 * wired to a helper node, under `context` as RED.settings.chatia. Unload with helper.unload().
 */
export async function loadNode(
  register: (RED: NodeAPI) => void,
  type: string,
  config: Record<string, unknown>,
  context: ChatiaNodeContext,
  outputs = 1,
): Promise<LoadedNode> {
  const [node] = await loadNodes(context, [{ register, type, config, outputs }]);
  return node as LoadedNode;
}

/**
 * Loads one flow with each node of `specs` (ids n0, n1, …), every output of each wired to a
 * helper node of its own, under `context`; a test drives each node on its own, as loadNode's.
 */
export async function loadNodes(
  context: ChatiaNodeContext,
  specs: readonly NodeSpec[],
): Promise<LoadedNode[]> {
  useContext(context);
  const outsOf = specs.map((spec, n) =>
    Array.from({ length: spec.outputs ?? 1 }, (_, i) => `n${n}-out${i}`),
  );
  await helper.load(
    [...new Set(specs.map((s) => s.register))],
    [
      { id: "f1", type: "tab", label: "node test" },
      ...specs.flatMap((spec, n) => [
        {
          id: `n${n}`,
          z: "f1",
          type: spec.type,
          name: "",
          ...spec.config,
          wires: (outsOf[n] ?? []).map((o) => [o]),
        },
        ...(outsOf[n] ?? []).map((id) => ({ id, z: "f1", type: "helper" })),
      ]),
    ],
  );
  return specs.map((spec, n) => driven(`n${n}`, spec.type, outsOf[n] ?? []));
}

/** The loaded node `id`, its outputs wired to the helper nodes `outs`. */
function driven(id: string, type: string, outs: readonly string[]): LoadedNode {
  const node = helper.getNode(id);
  if (node === null) throw new Error(`node "${type}" was not created`);
  const arrived: NodeMessage[][] = outs.map(() => []);
  const waiting = new Set<() => void>();
  outs.forEach((out, i) => {
    helper.getNode(out)?.on("input", (msg: NodeMessage) => {
      arrived[i]?.push(msg);
      for (const wake of [...waiting]) wake();
    });
  });
  const doneCalls: (Error | undefined)[] = [];
  let onDone: ((err: Error | undefined) => void) | undefined;
  const complete = node._complete.bind(node);
  node._complete = (msg, err) => {
    doneCalls.push(err);
    onDone?.(err);
    complete(msg, err);
  };
  const sendsBefore = () => spyCalls(node, "send").length;
  return {
    node,
    doneCalls,
    statuses: () => spyCalls(node, "status").map(([s]) => s as Status),
    errors: () => spyCalls(node, "error").map(([e]) => e),
    warnings: () => spyCalls(node, "warn").map(([w]) => w),
    async receive(msg) {
      const from = sendsBefore();
      const counts = arrived.map((a) => a.length);
      const error = await new Promise<Error | undefined>((resolve) => {
        onDone = (err) => {
          onDone = undefined;
          resolve(err);
        };
        // A copy, as Node-RED hands each node its own: the node changes the message it is given.
        node.receive(structuredClone(msg));
      });
      const sent: NodeMessage[][] = outs.map(() => []);
      for (const [out] of spyCalls(node, "send").slice(from)) {
        const ports = Array.isArray(out) ? out : [out];
        ports.forEach((m, i) => {
          if (m === null || m === undefined) return;
          sent[i]?.push(...(Array.isArray(m) ? m : [m]));
        });
      }
      // What was sent reaches the helper nodes wired to the outputs (delivery is asynchronous).
      const deliveredAll = () =>
        sent.every((s, i) => (arrived[i]?.length ?? 0) >= (counts[i] ?? 0) + s.length);
      await new Promise<void>((resolve) => {
        const check = () => {
          if (!deliveredAll()) return;
          waiting.delete(check);
          resolve();
        };
        waiting.add(check);
        check();
      });
      return {
        outputs: sent,
        sent: sent[0]?.[0] as Outcome["sent"],
        error: error as Outcome["error"],
      };
    },
  };
}

/** Real services over a database, Redis prefix and plan of the test's own. */
export interface NodeWorld {
  readonly db: TestDatabase;
  readonly redis: TestRedis;
  readonly plan: Plan;
  readonly queues: QueueRuntime;
  readonly services: ChatiaServices & { close(): Promise<void> };
  readonly dispatcher: Dispatcher;
  readonly context: ChatiaNodeContext;
  /** The simulated WhatsApp world the services send into (its record of sends). */
  readonly whatsapp: SimulatedWhatsApp;
  /** Fixture rows, written and read with SQL. */
  readonly rows: TestRows;
  /** The companies' media files (`<mediaDir>/company<id>/…`), a temporary folder. */
  readonly mediaDir: string;
  close(): Promise<void>;
}

/**
 * The services the runtime builds (runtime/app/services.ts) over the repository's jobs.yaml, with
 * the per-connection send pace set through its own variable (`REDIS_OPT_LIMITER_DURATION`) so
 * that sends on one connection need not wait 3 s each.
 */
export async function createNodeWorld(): Promise<NodeWorld> {
  const db = await createTestDatabase();
  await migrateUp(db.sequelize);
  const redis = createTestRedis();
  const env = { REDIS_OPT_LIMITER_DURATION: "10" };
  const plan = compile(await parseManifest(await readFile(MANIFEST, "utf8"), MANIFEST, { env }));
  const prefix = redis.prefix.slice(0, -1);
  const queues = await QueueRuntime.open(plan, { url: redis.url, prefix });
  const mediaDir = await mkdtemp(path.join(tmpdir(), "chatia-node-media-"));
  const ownership = new Ownership({ store: new SequelizeOwnerStore(db.sequelize), mediaDir });
  const services = await buildServices({ sequelize: db.sequelize, queues, ownership, mediaDir });
  const dispatcher = new Dispatcher();
  return {
    db,
    redis,
    plan,
    queues,
    services,
    dispatcher,
    context: { dispatcher, plan: () => plan, services },
    whatsapp: new SimulatedWhatsApp(redis.redis, { prefix: `${prefix}:chatia:` }),
    rows: testRows(db.sequelize),
    mediaDir,
    async close() {
      await services.close();
      await queues.close({ waitForJobs: false });
      await redis.cleanup();
      await db.drop();
      await rm(mediaDir, { recursive: true, force: true });
    },
  };
}

/** The node settings of typed inputs `{ setting: [value, kind] }`, as the editor saves them. */
export function typed(inputs: Record<string, [string, string]>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(inputs).flatMap(([name, [value, type]]) => [
      [name, value],
      [`${name}Type`, type],
    ]),
  );
}

/**
 * A company's frontend, as the api process serves it: the socket.io server on the world's Redis
 * prefix (every token accepted as a super-admin's) and a real client in the company's namespace,
 * receiving once the adapter has subscribed. stop() closes both.
 */
export async function companyFrontend(
  world: NodeWorld,
  companyId: number,
): Promise<CompanySocket & { stop(): Promise<void> }> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const sockets = attachSocketServer({
    server,
    redisUrl: world.redis.url,
    prefix: world.queues.prefix,
    authenticate: async () => ({ super: true }),
  });
  // The adapter's subscriber checks it is ready (INFO) once connected, and reconnects when that
  // check crosses its first subscription: events published meanwhile are lost. It has settled
  // once the client is ready.
  const adapter = sockets.io.of("/").adapter as unknown as { subClient: { status: string } };
  await waitUntil(
    () => adapter.subClient.status === "ready",
    10_000,
    "socket.io's Redis subscriber",
  );
  const { port } = server.address() as { port: number };
  const socket = await connectCompanySocket({
    url: `http://127.0.0.1:${port}`,
    token: "t",
    companyId,
  });
  await socket.untilReceiving(
    () => world.services.events.emit(companyId, "ready", {}),
    `company-${companyId}-ready`,
  );
  socket.clear();
  return Object.assign(socket, {
    async stop() {
      socket.close();
      await sockets.close();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}

/**
 * The hooks of a node test file: a NodeWorld made before its tests (then `setup`, given the world,
 * adds the file's own rows), closed after them, and Node-RED's test helper unloaded after each
 * test.
 */
export function useNodeWorld(setup: (world: NodeWorld) => Promise<void> | void): void {
  let world: NodeWorld | undefined;
  beforeAll(async () => {
    world = await createNodeWorld();
    await setup(world);
  });
  afterAll(() => world?.close());
  afterEach(() => helper.unload());
}
