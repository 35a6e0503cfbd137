// The running chatia-flow process: manifest → plan → Bull queues, Node-RED with its flows, the
// dispatcher between them, the HTTP server (api roles), hot reload and graceful shutdown.

import { createBullBoards } from "../adapters/bull/bull-board";
import { assertDatabaseReachable, createSequelize, type Sequelize } from "../adapters/db";
import { SequelizeAuthStore } from "../adapters/db/repositories/auth-store";
import { SequelizeCampaignProgressStore } from "../adapters/db/repositories/campaign-progress-store";
import { SequelizeFlowPublications } from "../adapters/db/repositories/flow-publication-store";
import { SequelizeOwnerStore } from "../adapters/db/repositories/owner-store";
import { listenForRevokedTokens } from "../adapters/db/token-revocations";
import { startNodeRed } from "../adapters/node-red/embedded";
import type { NodeRedNode } from "../adapters/node-red/flow-format";
import { excludedNodeFiles } from "../adapters/node-red/palette";
import { assertRedisReachable, RedisArrivalLine } from "../adapters/redis";
import { attachSocketServer, type CompanySocketServer } from "../adapters/socket";
import { compile, isHandled, type Plan, type QueuePlan } from "../compile";
import { ChatiaError } from "../errors";
import { jobsWithoutFlow } from "../flow-bridge/declared-jobs";
import { checkDeploy } from "../flow-bridge/deploy-check";
import type { Dispatcher, JobInfo } from "../flow-bridge/dispatcher";
import { listInstalledNodeTypes } from "../flow-bridge/flow-checks";
import { FlowSync } from "../flow-bridge/flow-sync";
import { jobDispatcher, jobHandler } from "../flow-bridge/job-handler";
import { JobTracer } from "../flow-bridge/job-traces";
import { JobsPanel } from "../flow-bridge/jobs-panel";
import {
  type ChatiaNodeContext,
  type ChatiaServices,
  SETTINGS_KEY,
} from "../flow-bridge/node-context";
import { nodeFailure } from "../flow-bridge/node-failure";
import { migrateFlows } from "../flow-bridge/node-settings-check";
import { publishedFlowChecks } from "../flow-bridge/published-flow-checks";
import { BOARD_PATH, mountApi } from "../http/api";
import { LoginLimits } from "../http/auth/login-limits";
import { EDITOR_BODY_LIMIT, jsonBodyLimit } from "../http/body-limit";
import { type CheckedEditorLogin, createEditorLogin, editorLoginGate } from "../http/editor-login";
import { requestLog } from "../http/request-log";
import { apiCors, securityHeaders } from "../http/security";
import { createHttpServer } from "../http/server";
import { formatProblem, type Manifest, ManifestError, type Problem } from "../manifest";
import type { Logger } from "../observability/logger";
import { Metrics } from "../observability/metrics";
import { QueueRuntime } from "../queues/queue-runtime";
import { Ownership, ownerStamp } from "../tenancy/ownership";
import { type Timeouts, timeoutsFromEnv } from "../timeouts";
import { type CheckedManifest, loadCheckedManifest } from "./checked-manifest";
import type { RuntimeConfig } from "./config";
import { watchManifest } from "./manifest-watch";
import type { ServiceDependencies } from "./services";

export { type CheckedManifest, loadCheckedManifest } from "./checked-manifest";

export interface RunningRuntime {
  readonly config: RuntimeConfig;
  /** Base URL of the HTTP server (api roles). */
  readonly url?: string;
  readonly queues: QueueRuntime;
  readonly dispatcher: Dispatcher;
  readonly plan: () => Plan;
  /** Reloads jobs.yaml: applied when valid, refused (and logged) when not. */
  reload(): Promise<{ applied: boolean; problems: string[] }>;
  /** Graceful stop: no new jobs, active ones finish within the grace period, then everything closes. */
  stop(): Promise<void>;
}

export interface RuntimeDependencies {
  readonly log: Logger;
  /** Builds the domain services the nodes use. */
  readonly services: (
    deps: ServiceDependencies,
  ) => Promise<ChatiaServices & { close?(): Promise<void> }>;
}

/**
 * Starts a runtime of `config.role`: each step below is one function of this file, in the order
 * they run. `api` serves HTTP (API, editor, Bull Board, sockets) and cron triggers; `worker`
 * processes jobs; `all` does both.
 */
export async function startRuntime(
  config: RuntimeConfig,
  deps: RuntimeDependencies,
): Promise<RunningRuntime> {
  const { log } = deps;
  const started = Date.now();
  const timeouts = config.timeouts ?? timeoutsFromEnv();
  const live = await loadLivePlan(config, log);
  const sequelize = await connectDatabase(config, timeouts);
  const queues = await openQueues(config, live, timeouts, sequelize);
  const ownership = stampJobOwners(config, sequelize, queues);
  const metrics = new Metrics(queues);
  const dispatcher = jobDispatcher({ metrics, log });
  const services = await buildDomainServices(config, deps, { sequelize, queues, ownership });
  const flows = await prepareFlowSync(config, { queues, sequelize }, live);
  // socket.io is attached once the API is mounted; /readyz checks its subscriber from then on.
  const socketsRef: { server?: CompanySocketServer } = {};
  const http = live.serves
    ? createServer(config, timeouts, log, { sequelize, queues, sockets: socketsRef })
    : undefined;
  // One login budget per address for the API, the admin form and the editor, kept in Redis so
  // every api process counts the same failures.
  const logins = new LoginLimits({
    counts: {
      sendCommand: (command, ...args) => queues.redis.call(command, ...args),
      prefix: config.prefix,
    },
  });
  const editorLogin =
    config.editorPath !== false
      ? await createEditorLogin({
          store: new SequelizeAuthStore(sequelize),
          jwtSecret: config.jwtSecret,
          operator: config.admin,
        })
      : undefined;
  const red = await startFlows(config, log, {
    http,
    editorLogin,
    dispatcher,
    live,
    services,
    queues,
    flows,
  });
  log.info(
    { ms: Date.now() - started, nodeRedStartMs: Math.round(red.startupMs) },
    "flows running",
  );
  await shareDeployedFlows(live, red, flows.sync, log);
  const jobs = await startJobs(config, log, { red, queues, dispatcher, live });
  const api = http
    ? mountHttp(config, timeouts, log, {
        http,
        sequelize,
        queues,
        ownership,
        metrics,
        services,
        live,
        logins,
      })
    : undefined;
  const sockets = http && api ? attachSockets(config, http, api, log) : undefined;
  socketsRef.server = sockets;
  if (http && editorLogin) mountEditor(config, http, red, editorLogin, logins);
  if (sockets) await socketsReady(sockets, timeouts);
  const url = http ? await http.listen() : undefined;
  log.info(
    { role: config.role, url, editor: config.editorPath, ms: Date.now() - started },
    "chatia-flow started",
  );
  if (live.held.size > 0 && config.editorPath !== false)
    log.error(
      { code: "CF_FLOW_INVALID", jobs: [...live.held.keys()] },
      `not running ${[...live.held.keys()].join(", ")} until their flows are mended: open the editor at ${url ?? ""}${config.editorPath}/, correct each flow as the problems above say, and deploy (or run \`chatia-flow validate\` to list them)`,
    );
  const reload = reloadOnChange(config, log, { live, queues, handle: jobs.handle, api, flows });
  const stopWatching = config.watchManifest
    ? watchManifest(
        config.manifestFile,
        () => void reload().catch((err: unknown) => log.error({ err }, "reload failed")),
      )
    : () => undefined;

  return {
    config,
    ...(url !== undefined && { url }),
    queues,
    dispatcher,
    plan: () => live.plan,
    reload,
    stop: () =>
      stopGracefully(config, log, {
        stopWatching,
        queues,
        dispatcher,
        close: [
          () => red.stop(),
          async () => jobs.tracer.close(),
          () => flows.sync.close(),
          async () => services.close?.(),
          async () => sockets?.close(),
          async () => http?.close(),
          () => sequelize.close(),
        ],
      }),
  };
}

/**
 * The running plan and manifest, replaced by a reload. A worker runs the flows the api publishes,
 * which its own flows/ may not have yet: only the api side (`serves`) tells declared jobs from
 * handled ones (the API, cron triggers and the editor use it).
 */
interface LivePlan {
  plan: Plan;
  manifest: Manifest;
  readonly serves: boolean;
  readonly processes: boolean;
  /** Where the editor is served: a flow's problems hold its job instead of stopping the start. */
  readonly mendable: boolean;
  /** The jobs held at start-up for their flows' problems. */
  readonly held: ReadonlyMap<string, readonly Problem[]>;
  planOf(checked: CheckedManifest): Plan;
  /** Set once reload exists: a deploy that creates (or deletes) the flow of a declared job reloads. */
  afterDeploy(): Promise<void>;
}

async function loadLivePlan(config: RuntimeConfig, log: Logger): Promise<LivePlan> {
  const serves = config.role !== "worker";
  // Where the editor is served, a flow's problems do not stop the start: the editor is where they
  // are mended. The jobs of those flows are held (not run) until a deploy mends them.
  const mendable = serves && config.editorPath !== false;
  const checked = await loadCheckedManifest(
    config,
    mendable ? { holdFlowProblems: () => true } : {},
  );
  logWarnings(log, checked.warnings);
  logHeld(log, checked.held);
  const planOf = (c: CheckedManifest) => (serves ? c.plan : compile(c.manifest));
  return {
    plan: planOf(checked),
    manifest: checked.manifest,
    serves,
    processes: config.role !== "api",
    mendable,
    held: checked.held,
    planOf,
    afterDeploy: async () => undefined,
  };
}

async function connectDatabase(config: RuntimeConfig, timeouts: Timeouts): Promise<Sequelize> {
  const sequelize = createSequelize(config.databaseUrl, {
    applicationName: `chatia-flow:${config.role}`,
    connectTimeoutMs: timeouts.dbConnectMs,
    statementTimeoutMs: timeouts.dbStatementMs,
  });
  await assertDatabaseReachable(sequelize).catch(async (err: unknown) => {
    await sequelize.close().catch(() => undefined);
    throw err;
  });
  return sequelize;
}

async function openQueues(
  config: RuntimeConfig,
  live: LivePlan,
  timeouts: Timeouts,
  sequelize: Sequelize,
): Promise<QueueRuntime> {
  const queues = await QueueRuntime.open(live.plan, {
    url: config.redisUrl,
    prefix: config.prefix,
    commandTimeoutMs: timeouts.redisCommandMs,
  });
  await assertRedisReachable(queues.redis).catch(async (err: unknown) => {
    await Promise.all([queues.close({ waitForJobs: false }), sequelize.close()]);
    throw err;
  });
  return queues;
}

/** Tenancy: every job the runtime adds carries its owner company (runtime/tenancy). */
function stampJobOwners(
  config: RuntimeConfig,
  sequelize: Sequelize,
  queues: QueueRuntime,
): Ownership {
  const ownership = new Ownership({
    store: new SequelizeOwnerStore(sequelize),
    mediaDir: config.mediaDir,
  });
  queues.useOwnerStamp(ownerStamp(ownership));
  return ownership;
}

function buildDomainServices(
  config: RuntimeConfig,
  deps: RuntimeDependencies,
  wiring: Pick<ServiceDependencies, "sequelize" | "queues" | "ownership">,
) {
  return deps.services({
    ...wiring,
    mediaDir: config.mediaDir,
    ...(config.campaignSenderBudgetMs !== undefined && {
      campaignSenderBudgetMs: config.campaignSenderBudgetMs,
    }),
    whatsapp: {
      driver: config.whatsappDriver ?? "simulated",
      runConnections: config.role !== "api",
      ...(config.whatsappMaxConnections && { maxConnections: config.whatsappMaxConnections }),
      ...(config.simulatedWhatsAppRedisUrl && {
        simulatedRedisUrl: config.simulatedWhatsAppRedisUrl,
      }),
    },
  });
}

/** The node types installed, and the deployed flows shared between processes through Redis. */
async function prepareFlowSync(
  config: RuntimeConfig,
  { queues, sequelize }: { readonly queues: QueueRuntime; readonly sequelize: Sequelize },
  live: LivePlan,
) {
  const knownTypes = await listInstalledNodeTypes(
    config.nodesDirs,
    excludedNodeFiles(config.optionalNodes),
  );
  const sync = new FlowSync(queues.redis, config.prefix, {
    secret: config.credentialSecret,
    publications: new SequelizeFlowPublications(sequelize),
    check: publishedFlowChecks({
      knownTypes,
      jobs: () => live.plan.queues.flatMap((q) => q.jobs.filter((j) => j.enabled)),
    }),
  });
  return { knownTypes, sync };
}

type FlowsShared = Awaited<ReturnType<typeof prepareFlowSync>>;
type HttpServer = ReturnType<typeof createHttpServer>;
type Services = Awaited<ReturnType<typeof buildDomainServices>>;

function createServer(
  config: RuntimeConfig,
  timeouts: Timeouts,
  log: Logger,
  parts: {
    readonly sequelize: Sequelize;
    readonly queues: QueueRuntime;
    readonly sockets: { readonly server?: CompanySocketServer };
  },
): HttpServer {
  const { sequelize, queues, sockets } = parts;
  return createHttpServer({
    host: config.host,
    port: config.port,
    ...(config.trustProxy !== undefined && { trustProxy: config.trustProxy }),
    checkTimeoutMs: timeouts.readyCheckMs,
    checks: [
      { name: "postgres", check: () => sequelize.authenticate() },
      { name: "redis", check: async () => void (await queues.redis.ping()) },
      // socket.io's subscriber: while it reconnects, events for the browsers are lost.
      {
        name: "socket.io",
        check: async (): Promise<void> => sockets.server?.ready(timeouts.readyCheckMs),
      },
    ],
    middleware: [
      requestLog(log),
      securityHeaders({
        uiPaths: [...(config.editorPath === false ? [] : [config.editorPath]), "/admin"],
      }),
      apiCors(config.corsOrigins),
    ],
  });
}

/** Node-RED embedded, running the flows (a worker: the ones the api published). */
async function startFlows(
  config: RuntimeConfig,
  log: Logger,
  parts: {
    readonly http: HttpServer | undefined;
    readonly editorLogin: CheckedEditorLogin | undefined;
    readonly dispatcher: ReturnType<typeof jobDispatcher>;
    readonly live: LivePlan;
    readonly services: Services;
    readonly queues: QueueRuntime;
    readonly flows: FlowsShared;
  },
) {
  const { http, editorLogin, dispatcher, live, services, queues, flows } = parts;
  const { serves } = live;
  const published = serves ? undefined : await loadPublished(flows.sync, log);
  return startNodeRed({
    server: http?.server ?? null,
    editorPath: config.editorPath,
    flowsDir: config.flowsDir,
    userDir: config.userDir,
    nodesDirs: config.nodesDirs,
    excludedNodeFiles: excludedNodeFiles(config.optionalNodes),
    context: nodeContext({
      dispatcher,
      plan: () => live.plan,
      services,
      jobsPanel: new JobsPanel(queues),
    }),
    contextKey: SETTINGS_KEY,
    ...(editorLogin && { admin: editorLogin }),
    credentialSecret: config.credentialSecret,
    ...(serves && {
      onDeploy: async (deployed: NodeRedNode[]) => {
        await flows.sync.publish(deployed);
        // Not awaited: a reload may wait for a queue's active jobs, and the deploy must not.
        live
          .afterDeploy()
          .catch((err: unknown) =>
            log.error({ err }, "could not reload jobs.yaml after the deploy"),
          );
      },
    }),
    ...(published && { loadFlows: async () => published }),
    flowRules: {
      // A worker's plan does not tell declared jobs from handled ones (see LivePlan).
      check: (flat) =>
        checkDeploy(flat, {
          jobs: enabledJobs(live.plan),
          knownTypes: flows.knownTypes,
          missingFlow: serves ? "refuse" : "allow",
        }),
      migrate: migrateFlows,
      // A worker runs the api's published flows; the files are the api's to write.
      writeDeploys: serves,
    },
    onUncaughtError: (msg, error, node) =>
      dispatcher.fail(msg.job as JobInfo, nodeFailure(error, node)),
    logLevel: (process.env.NODE_RED_LOG_LEVEL as "warn" | undefined) ?? "warn",
    log: (level, fields, message) => log[level](fields, message),
  });
}

type RunningFlows = Awaited<ReturnType<typeof startFlows>>;

/** The api publishes the flows it runs; a worker follows what the api deploys. */
async function shareDeployedFlows(
  live: LivePlan,
  red: RunningFlows,
  sync: FlowSync,
  log: Logger,
): Promise<void> {
  if (live.serves) {
    const running = red.red.nodes.getFlows();
    if (running) await sync.publish(running.flows);
    return;
  }
  await sync.follow(
    (next) => {
      red.setFlows(next.flows).then(
        () => log.info({ rev: next.rev }, "deployed flows loaded"),
        (err: unknown) => log.error({ err }, "could not load the deployed flows"),
      );
    },
    (err: unknown) =>
      log.error({ err, code: codeOf(err) }, "deployed flows refused; the running flows stay"),
  );
}

/** Traces, cron triggers (api side) and the queues' processors (worker side). */
async function startJobs(
  config: RuntimeConfig,
  log: Logger,
  parts: {
    readonly red: RunningFlows;
    readonly queues: QueueRuntime;
    readonly dispatcher: ReturnType<typeof jobDispatcher>;
    readonly live: LivePlan;
  },
) {
  const { red, queues, dispatcher, live } = parts;
  const tracer = new JobTracer(red.red.hooks, {
    redis: queues.redis,
    prefix: config.prefix,
    sampleShare: config.traceSample ?? 0,
    log,
  });
  const handle = jobHandler(dispatcher, tracer);
  if (live.serves) logRepeatables(log, await queues.applyRepeatables());
  if (live.processes) queues.startProcessing(handle);
  return { tracer, handle };
}

/** The HTTP room (runtime/http) mounted on the server, with the stores and boards it needs. */
function mountHttp(
  config: RuntimeConfig,
  timeouts: Timeouts,
  log: Logger,
  parts: {
    readonly http: HttpServer;
    readonly sequelize: Sequelize;
    readonly queues: QueueRuntime;
    readonly ownership: Ownership;
    readonly metrics: Metrics;
    readonly services: Services;
    readonly live: LivePlan;
    readonly logins: LoginLimits;
  },
) {
  const { http, sequelize, queues, ownership, metrics, services, live, logins } = parts;
  return mountApi(http.app, {
    authStore: new SequelizeAuthStore(sequelize),
    campaignStore: new SequelizeCampaignProgressStore(sequelize),
    boards: (owned) =>
      createBullBoards({
        queues: () => queues.currentPlan.queues.map((q) => queues.queue(q.name)),
        basePath: BOARD_PATH,
        visibility: owned,
        enqueuer: queues,
      }),
    jwtSecret: config.jwtSecret,
    queues,
    ownership,
    ...(config.quotas && { quotas: config.quotas }),
    enqueuesUnderWay: new RedisArrivalLine(queues.redis, `${queues.prefix}:chatia:`),
    plan: () => live.plan,
    log,
    metrics,
    events: services.events,
    requestTimeoutMs: timeouts.apiRequestMs,
    logins,
  });
}

type MountedHttp = ReturnType<typeof mountHttp>;

/** socket.io: company namespaces, authenticated like the API; events from every process via Redis. */
function attachSockets(config: RuntimeConfig, http: HttpServer, api: MountedHttp, log: Logger) {
  return attachSocketServer({
    server: http.server,
    redisUrl: config.redisUrl,
    prefix: config.prefix,
    authenticate: (token) => api.auth.authenticate(token),
    corsOrigins: config.corsOrigins,
    ...(config.tokenRecheckMs !== undefined && { recheckMs: config.tokenRecheckMs }),
    // A revoked API token's sockets close at once: Postgres announces every revocation.
    revocations: (onRevoked) =>
      listenForRevokedTokens(config.databaseUrl, onRevoked, {
        ...(config.timeouts && { connectTimeoutMs: config.timeouts.dbConnectMs }),
        onError: (err) => log.warn({ err }, "cannot listen for revoked API tokens; retrying"),
      }),
  });
}

/** Listen (and so say ready) only once events for the browsers will be delivered. */
async function socketsReady(sockets: CompanySocketServer, timeouts: Timeouts): Promise<void> {
  await sockets.ready(timeouts.redisConnectMs).catch((err: unknown) => {
    throw new ChatiaError(
      "CF_REDIS_CONNECT",
      `cannot reach Redis for socket.io: ${(err as Error).message}`,
      { cause: err },
    );
  });
}

/** The Node-RED editor, its login (Node-RED's token endpoint) with the API's login limits. */
function mountEditor(
  config: RuntimeConfig,
  http: HttpServer,
  red: RunningFlows,
  login: CheckedEditorLogin,
  logins: LoginLimits,
): void {
  if (config.editorPath === false || !red.httpAdmin) return;
  http.mount(`${config.editorPath}/auth/token`, editorLoginGate(login, logins));
  // JSON within Node-RED's own 5 MB and 64 levels, refused as JSON 413/400 before Node-RED reads it.
  http.app.use(config.editorPath, ...jsonBodyLimit(EDITOR_BODY_LIMIT));
  http.mount(config.editorPath, red.httpAdmin);
}

/**
 * Reloads jobs.yaml: applied when valid (queues whose settings changed re-opened, cron triggers
 * reconciled, Bull Board refreshed), refused and logged when not. A deploy that creates or deletes
 * the flow of a declared job reloads too.
 */
function reloadOnChange(
  config: RuntimeConfig,
  log: Logger,
  parts: {
    readonly live: LivePlan;
    readonly queues: QueueRuntime;
    readonly handle: ReturnType<typeof jobHandler>;
    readonly api: MountedHttp | undefined;
    readonly flows: FlowsShared;
  },
): () => Promise<{ applied: boolean; problems: string[] }> {
  const { live, queues, handle, api } = parts;
  const reload = async (): Promise<{ applied: boolean; problems: string[] }> => {
    let next: Plan;
    try {
      // Jobs held for their flows stay held while their flows still fail; any other job whose
      // flow fails refuses the reload, as a running job must not stop.
      const holding = heldKeys(live.plan);
      const reloaded = await loadCheckedManifest(
        config,
        live.mendable ? { holdFlowProblems: (job) => holding.has(job) } : {},
      );
      logWarnings(log, reloaded.warnings);
      logHeld(log, reloaded.held);
      next = live.planOf(reloaded);
      live.manifest = reloaded.manifest;
    } catch (err) {
      if (!(err instanceof ManifestError)) throw err;
      const problems = err.problems.map((p) => formatProblem(p));
      log.error(
        { problems },
        "reload refused: jobs.yaml or a flow it names is invalid; the running configuration stays",
      );
      return { applied: false, problems };
    }
    const changed = changedQueues(live.plan, next);
    await queues.replacePlan(next);
    live.plan = next;
    if (live.processes) {
      for (const name of changed) {
        await queues.closeQueue(name);
        queues.startProcessing(handle, [name]);
      }
    }
    if (live.serves) logRepeatables(log, await queues.applyRepeatables());
    api?.refresh();
    log.info({ reopened: changed }, "jobs.yaml reloaded");
    return { applied: true, problems: [] };
  };
  // A deploy that creates or removes a declared job's flow, or may have mended a held one, reloads.
  live.afterDeploy = async () => {
    const { manifest } = live;
    const missing = await jobsWithoutFlow(manifest, manifest.source.dir, config.flowsDir);
    if (!sameKeys(missing, notHandledKeys(live.plan))) await reload();
  };
  return reload;
}

/** Graceful stop: no new jobs, active ones finish within the grace period, then everything closes. */
async function stopGracefully(
  config: RuntimeConfig,
  log: Logger,
  parts: {
    readonly stopWatching: () => void;
    readonly queues: QueueRuntime;
    readonly dispatcher: ReturnType<typeof jobDispatcher>;
    /** What to close after the queues, in order. */
    readonly close: readonly (() => Promise<unknown>)[];
  },
): Promise<void> {
  const { queues, dispatcher } = parts;
  parts.stopWatching();
  await queues.pauseLocal();
  log.info(
    { active: dispatcher.activeCount, graceMs: config.graceMs },
    "taking no new jobs; waiting for active ones",
  );
  const drained = await dispatcher.drain(config.graceMs);
  if (!drained)
    log.warn(
      { active: dispatcher.activeCount },
      "grace period over: jobs still running will be retried by another worker",
    );
  await closeAll(log, [() => queues.close({ waitForJobs: drained }), ...parts.close]);
}

/** The flows the api published; when refused (unsigned, bad signature, failing checks), flows/ instead. */
async function loadPublished(flowSync: FlowSync, log: Logger): Promise<NodeRedNode[] | undefined> {
  try {
    return (await flowSync.load())?.flows;
  } catch (err) {
    if (!(err instanceof ChatiaError)) throw err;
    log.error({ err, code: err.code }, "deployed flows refused; running the flow files instead");
    return undefined;
  }
}

/** The jobs a deploy must keep runnable: the handled ones of the running plan. */
function enabledJobs(plan: Plan): { queue: string; name: string; flow: string }[] {
  return plan.queues.flatMap((q) => q.jobs.filter(isHandled));
}

function codeOf(err: unknown): unknown {
  return (err as { code?: unknown } | null | undefined)?.code;
}

/** Queues whose processor must be re-opened: new ones and those whose Bull-level settings changed. */
function changedQueues(before: Plan, after: Plan): string[] {
  const shape = (q: QueuePlan) =>
    JSON.stringify([
      q.concurrency,
      q.rateLimit,
      q.bullLimiter,
      q.settings,
      q.jobs.map((j) => [j.enabled, j.notHandled === true]),
    ]);
  const old = new Map(before.queues.map((q) => [q.name, shape(q)]));
  return after.queues.filter((q) => old.get(q.name) !== shape(q)).map((q) => q.name);
}

function heldKeys(plan: Plan): Set<string> {
  return new Set(
    plan.queues.flatMap((q) => q.jobs.filter((j) => j.flowProblems).map((j) => j.key)),
  );
}

/** Each job held for its flow's problems: what is wrong, and what to do. */
function logHeld(log: Logger, held: ReadonlyMap<string, readonly Problem[]>): void {
  for (const [job, problems] of held)
    log.error(
      { code: "CF_FLOW_INVALID", job },
      `${job} is not run until these flow problems are mended: ${problems.map((p) => formatProblem(p)).join("; ")}; mend the flow in the editor and deploy, and the job runs`,
    );
}

function notHandledKeys(plan: Plan): Set<string> {
  return new Set(plan.queues.flatMap((q) => q.jobs.filter((j) => j.notHandled).map((j) => j.key)));
}

function sameKeys(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((key) => b.has(key));
}

/** Each warning of the manifest's checks, as `validate` prints it. */
function logWarnings(log: Logger, warnings: readonly Problem[]): void {
  for (const warning of warnings) log.warn({ code: warning.code }, formatProblem(warning));
}

function logRepeatables(
  log: Logger,
  diff: Awaited<ReturnType<QueueRuntime["applyRepeatables"]>>,
): void {
  if (diff.add.length + diff.remove.length + diff.rearm.length === 0) return;
  log.info(
    {
      added: diff.add.map((r) => `${r.queue}/${r.name} "${r.cron}" ${r.tz}`),
      rearmed: diff.rearm.map((r) => `${r.queue}/${r.name} "${r.cron}" ${r.tz}`),
      removed: diff.remove.map((r) => `${r.queue}/${r.name} "${r.cron}" ${r.tz ?? ""}`.trim()),
    },
    "cron triggers reconciled",
  );
}

async function closeAll(log: Logger, steps: readonly (() => Promise<unknown>)[]): Promise<void> {
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      log.warn({ err }, "error while closing");
    }
  }
}

/** The nodes' context, checked as what the nodes read (the Node-RED adapter sees its dispatcher only). */
function nodeContext(context: ChatiaNodeContext): ChatiaNodeContext {
  return context;
}
