// The running chatia-flow process: manifest → plan → Bull queues, Node-RED with its flows, the
// dispatcher between them, the HTTP server (api roles), hot reload and graceful shutdown.
import { assertDatabaseReachable, createSequelize } from "../adapters/db";
import { requestLog } from "../adapters/http/request-log";
import { apiCors, securityHeaders } from "../adapters/http/security";
import { createHttpServer } from "../adapters/http/server";
import { startNodeRed } from "../adapters/node-red/embedded";
import type { NodeRedNode } from "../adapters/node-red/flow-format";
import { assertRedisReachable } from "../adapters/redis";
import { attachSocketServer } from "../adapters/socket";
import { compile, type Plan, type QueuePlan } from "../compile";
import { jobsWithoutFlow } from "../flow-bridge/declared-jobs";
import { type Dispatcher, flowError, type JobInfo } from "../flow-bridge/dispatcher";
import type { ChatiaServices } from "../flow-bridge/node-context";
import { formatProblem, ManifestError, type Problem } from "../manifest";
import { Metrics } from "../observability/metrics";
import { QueueRuntime } from "../queues/queue-runtime";
import { timeoutsFromEnv } from "../timeouts";
import { mountApi } from "./api";
import { type CheckedManifest, loadCheckedManifest } from "./checked-manifest";
import type { RuntimeConfig } from "./config";
import { createEditorLogin } from "./editor-login";
import { FlowSync } from "./flow-sync";
import { jobDispatcher, jobHandler } from "./job-handler";
import type { Logger } from "./logger";
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
  const metrics = new Metrics(queues);
  const dispatcher = jobDispatcher({ metrics, log });
  const services = await deps.services({
    sequelize,
    queues,
    mediaDir: config.mediaDir,
    whatsapp: {
      driver: config.whatsappDriver ?? "simulated",
      runConnections: config.role !== "api",
      ...(config.whatsappMaxConnections && { maxConnections: config.whatsappMaxConnections }),
    },
  });
  const flowSync = new FlowSync(queues.redis, config.prefix);
  // Set once reload exists: a deploy that creates (or deletes) the flow of a declared job reloads.
  let afterDeploy = async (): Promise<void> => undefined;
  const processes = config.role !== "api";

  const http = serves
    ? createHttpServer({
        host: config.host,
        port: config.port,
        checkTimeoutMs: timeouts.readyCheckMs,
        checks: [
          { name: "postgres", check: () => sequelize.authenticate() },
          { name: "redis", check: async () => void (await queues.redis.ping()) },
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

  const published = serves ? undefined : await flowSync.load();
  const red = await startNodeRed({
    server: http?.server ?? null,
    editorPath: config.editorPath,
    flowsDir: config.flowsDir,
    userDir: config.userDir,
    nodesDirs: config.nodesDirs,
    context: { dispatcher, plan: () => plan, services },
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
    ...(published && { loadFlows: async () => published.flows }),
    onUncaughtError: (msg, error, nodeName) => {
      const job = msg.job as JobInfo;
      dispatcher.fail(job, flowError(error, `node "${nodeName}"`));
    },
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
      (err: unknown) => log.error({ err }, "could not read the deployed flows"),
    );
  }

  const handle = jobHandler(dispatcher);
  if (serves) logRepeatables(log, await queues.applyRepeatables());
  if (processes) queues.startProcessing(handle);

  const api = http
    ? mountApi(http.app, {
        sequelize,
        jwtSecret: config.jwtSecret,
        queues,
        plan: () => plan,
        log,
        metrics,
        events: services.events,
        requestTimeoutMs: timeouts.apiRequestMs,
      })
    : undefined;
  // socket.io: company namespaces, authenticated like the API; events from every process via Redis.
  const sockets =
    http && api
      ? attachSocketServer({
          server: http.server,
          redisUrl: config.redisUrl,
          prefix: config.prefix,
          authenticate: (token) => api.auth.authenticate(token),
          corsOrigins: config.corsOrigins,
        })
      : undefined;
  if (http && config.editorPath !== false && red.httpAdmin)
    http.mount(config.editorPath, red.httpAdmin);
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
        () => flowSync.close(),
        async () => services.close?.(),
        async () => sockets?.close(),
        async () => http?.close(),
        () => sequelize.close(),
      ]);
    },
  };
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
  if (diff.add.length + diff.remove.length === 0) return;
  log.info(
    {
      added: diff.add.map((r) => `${r.queue}/${r.name} "${r.cron}" ${r.tz}`),
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
