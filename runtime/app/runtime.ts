// The running chatia-flow process: manifest → plan → Bull queues, Node-RED with its flows, the
// dispatcher between them, the HTTP server (api roles), hot reload and graceful shutdown.
import { assertDatabaseReachable, createSequelize } from "../adapters/db";
import { SequelizeOwnerStore } from "../adapters/db/repositories/owner-store";
import { requestLog } from "../adapters/http/request-log";
import { apiCors, securityHeaders } from "../adapters/http/security";
import { createHttpServer } from "../adapters/http/server";
import { startNodeRed } from "../adapters/node-red/embedded";
import type { NodeRedNode } from "../adapters/node-red/flow-format";
import { excludedNodeFiles } from "../adapters/node-red/palette";
import { assertRedisReachable } from "../adapters/redis";
import { attachSocketServer, type CompanySocketServer } from "../adapters/socket";
import { compile, isHandled, type Plan, type QueuePlan } from "../compile";
import { ChatiaError } from "../errors";
import { jobsWithoutFlow } from "../flow-bridge/declared-jobs";
import { checkDeploy } from "../flow-bridge/deploy-check";
import type { Dispatcher, JobInfo } from "../flow-bridge/dispatcher";
import { listInstalledNodeTypes } from "../flow-bridge/flow-checks";
import type { ChatiaServices } from "../flow-bridge/node-context";
import { nodeFailure } from "../flow-bridge/node-failure";
import { migrateFlows } from "../flow-bridge/node-settings-check";
import { formatProblem, ManifestError, type Problem } from "../manifest";
import { Metrics } from "../observability/metrics";
import { QueueRuntime } from "../queues/queue-runtime";
import { Ownership, ownerStamp } from "../tenancy/ownership";
import { timeoutsFromEnv } from "../timeouts";
import { mountApi } from "./api";
import { type CheckedManifest, loadCheckedManifest } from "./checked-manifest";
import type { RuntimeConfig } from "./config";
import { createEditorLogin, editorLoginLimits } from "./editor-login";
import { FlowSync } from "./flow-sync";
import { jobDispatcher, jobHandler } from "./job-handler";
import { JobTracer } from "./job-traces";
import { JobsPanel } from "./jobs-panel";
import type { Logger } from "./logger";
import { watchManifest } from "./manifest-watch";
import { publishedFlowChecks } from "./published-flow-checks";
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

export async function startRuntime(
  config: RuntimeConfig,
  deps: RuntimeDependencies,
): Promise<RunningRuntime> {
  const { log } = deps;
  const started = Date.now();
  const checked = await loadCheckedManifest(config);
  logWarnings(log, checked.warnings);
  const serves = config.role !== "worker";
  // A worker runs the flows the api publishes, which its own flows/ may not have yet: only the
  // api side tells declared jobs from handled ones (the API, cron triggers and the editor use it).
  const planOf = (c: CheckedManifest) => (serves ? c.plan : compile(c.manifest));
  let plan = planOf(checked);
  let manifest = checked.manifest;
  const timeouts = config.timeouts ?? timeoutsFromEnv();
  const sequelize = createSequelize(config.databaseUrl, {
    applicationName: `chatia-flow:${config.role}`,
    connectTimeoutMs: timeouts.dbConnectMs,
    statementTimeoutMs: timeouts.dbStatementMs,
  });
  await assertDatabaseReachable(sequelize).catch(async (err: unknown) => {
    await sequelize.close().catch(() => undefined);
    throw err;
  });
  const queues = await QueueRuntime.open(plan, {
    url: config.redisUrl,
    prefix: config.prefix,
    commandTimeoutMs: timeouts.redisCommandMs,
  });
  await assertRedisReachable(queues.redis).catch(async (err: unknown) => {
    await Promise.all([queues.close({ waitForJobs: false }), sequelize.close()]);
    throw err;
  });
  // Tenancy: every job the runtime adds carries its owner company (runtime/tenancy).
  const ownership = new Ownership({
    store: new SequelizeOwnerStore(sequelize),
    mediaDir: config.mediaDir,
  });
  queues.useOwnerStamp(ownerStamp(ownership));
  const metrics = new Metrics(queues);
  const dispatcher = jobDispatcher({ metrics, log });
  const services = await deps.services({
    sequelize,
    queues,
    ownership,
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
  const knownTypes = await listInstalledNodeTypes(
    config.nodesDirs,
    excludedNodeFiles(config.optionalNodes),
  );
  const flowSync = new FlowSync(queues.redis, config.prefix, {
    secret: config.credentialSecret,
    check: publishedFlowChecks({
      knownTypes,
      jobs: () => plan.queues.flatMap((q) => q.jobs.filter((j) => j.enabled)),
    }),
  });
  // Set once reload exists: a deploy that creates (or deletes) the flow of a declared job reloads.
  let afterDeploy = async (): Promise<void> => undefined;
  const processes = config.role !== "api";

  const http = serves
    ? createHttpServer({
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
            check: async (): Promise<void> => sockets?.ready(timeouts.readyCheckMs),
          },
        ],
        middleware: [
          requestLog(log),
          securityHeaders({
            uiPaths: [...(config.editorPath === false ? [] : [config.editorPath]), "/admin"],
          }),
          apiCors(config.corsOrigins),
        ],
      })
    : undefined;

  const published = serves ? undefined : await loadPublished(flowSync, log);
  const red = await startNodeRed({
    server: http?.server ?? null,
    editorPath: config.editorPath,
    flowsDir: config.flowsDir,
    userDir: config.userDir,
    nodesDirs: config.nodesDirs,
    excludedNodeFiles: excludedNodeFiles(config.optionalNodes),
    context: { dispatcher, plan: () => plan, services, jobsPanel: new JobsPanel(queues) },
    ...(config.editorPath !== false && {
      admin: await createEditorLogin({
        sequelize,
        jwtSecret: config.jwtSecret,
        operator: config.admin,
      }),
    }),
    credentialSecret: config.credentialSecret,
    ...(serves && {
      onDeploy: async (flows: NodeRedNode[]) => {
        await flowSync.publish(flows);
        // Not awaited: a reload may wait for a queue's active jobs, and the deploy must not.
        afterDeploy().catch((err: unknown) =>
          log.error({ err }, "could not reload jobs.yaml after the deploy"),
        );
      },
    }),
    ...(published && { loadFlows: async () => published }),
    flowRules: {
      // A worker's plan does not tell declared jobs from handled ones (see planOf).
      check: (flat) =>
        checkDeploy(flat, {
          jobs: enabledJobs(plan),
          knownTypes,
          missingFlow: serves ? "refuse" : "allow",
        }),
      migrate: migrateFlows,
    },
    onUncaughtError: (msg, error, node) =>
      dispatcher.fail(msg.job as JobInfo, nodeFailure(error, node)),
    logLevel: (process.env.NODE_RED_LOG_LEVEL as "warn" | undefined) ?? "warn",
    log: (level, fields, message) => log[level](fields, message),
  });
  log.info(
    { ms: Date.now() - started, nodeRedStartMs: Math.round(red.startupMs) },
    "flows running",
  );

  if (serves) {
    const running = red.red.nodes.getFlows();
    if (running) await flowSync.publish(running.flows);
  } else {
    await flowSync.follow(
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

  const tracer = new JobTracer(red.red.hooks, {
    redis: queues.redis,
    prefix: config.prefix,
    sampleShare: config.traceSample ?? 0,
    log,
  });
  const handle = jobHandler(dispatcher, tracer);
  if (serves) logRepeatables(log, await queues.applyRepeatables());
  if (processes) queues.startProcessing(handle);

  const api = http
    ? mountApi(http.app, {
        sequelize,
        jwtSecret: config.jwtSecret,
        queues,
        ownership,
        ...(config.quotas && { quotas: config.quotas }),
        plan: () => plan,
        log,
        metrics,
        events: services.events,
        requestTimeoutMs: timeouts.apiRequestMs,
      })
    : undefined;
  // socket.io: company namespaces, authenticated like the API; events from every process via Redis.
  const sockets: CompanySocketServer | undefined =
    http && api
      ? attachSocketServer({
          server: http.server,
          redisUrl: config.redisUrl,
          prefix: config.prefix,
          authenticate: (token) => api.auth.authenticate(token),
          corsOrigins: config.corsOrigins,
          ...(config.tokenRecheckMs !== undefined && { recheckMs: config.tokenRecheckMs }),
        })
      : undefined;
  if (http && config.editorPath !== false && red.httpAdmin) {
    // The editor's login (Node-RED's token endpoint) gets the API's login limits.
    http.mount(`${config.editorPath}/auth/token`, editorLoginLimits());
    http.mount(config.editorPath, red.httpAdmin);
  }
  // Listen (and so say ready) only once events for the browsers will be delivered.
  await sockets?.ready(timeouts.redisConnectMs).catch(async (err: unknown) => {
    throw new ChatiaError(
      "CF_REDIS_CONNECT",
      `cannot reach Redis for socket.io: ${(err as Error).message}`,
      { cause: err },
    );
  });
  const url = http ? await http.listen() : undefined;
  log.info(
    { role: config.role, url, editor: config.editorPath, ms: Date.now() - started },
    "chatia-flow started",
  );

  const reload = async (): Promise<{ applied: boolean; problems: string[] }> => {
    let next: Plan;
    try {
      const reloaded = await loadCheckedManifest(config);
      logWarnings(log, reloaded.warnings);
      next = planOf(reloaded);
      manifest = reloaded.manifest;
    } catch (err) {
      if (!(err instanceof ManifestError)) throw err;
      const problems = err.problems.map((p) => formatProblem(p));
      log.error({ problems }, "jobs.yaml changed but is invalid; the running configuration stays");
      return { applied: false, problems };
    }
    const changed = changedQueues(plan, next);
    await queues.replacePlan(next);
    plan = next;
    if (processes) {
      for (const name of changed) {
        await queues.closeQueue(name);
        queues.startProcessing(handle, [name]);
      }
    }
    if (serves) logRepeatables(log, await queues.applyRepeatables());
    api?.refresh();
    log.info({ reopened: changed }, "jobs.yaml reloaded");
    return { applied: true, problems: [] };
  };

  afterDeploy = async () => {
    const missing = await jobsWithoutFlow(manifest, manifest.source.dir, config.flowsDir);
    if (!sameKeys(missing, notHandledKeys(plan))) await reload();
  };

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
    plan: () => plan,
    reload,
    stop: async () => {
      stopWatching();
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
      await closeAll(log, [
        () => queues.close({ waitForJobs: drained }),
        () => red.stop(),
        async () => tracer.close(),
        () => flowSync.close(),
        async () => services.close?.(),
        async () => sockets?.close(),
        async () => http?.close(),
        () => sequelize.close(),
      ]);
    },
  };
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
