// The HTTP API on the runtime's server: /api/auth/* (login, refresh, logout), then everything else
// under /api behind authentication, except the OpenAPI document; /metrics for admins; Bull Board
// at /admin/queues behind the same login.
import type { Express } from "express";
import { createBullBoard } from "../adapters/bull/bull-board";
import type { Sequelize } from "../adapters/db";
import { adminAuthenticate, createAdminSessionRouter } from "../api/admin-session";
import {
  AuthService,
  authenticate,
  createAuthRouter,
  requireProfile,
  requireSuper,
} from "../api/auth";
import { apiBodyLimit } from "../api/body-limit";
import { afterDeadline, requestDeadline } from "../api/deadline";
import { sendError } from "../api/errors";
import { createCampaignsRouter, createQueuesRouter } from "../api/routes";
import { errorHandler } from "../api/routes/guards";
import type { Plan } from "../compile";
import { createMetricsRouter, type Metrics } from "../observability/metrics";
import type { QueueRuntime } from "../queues/queue-runtime";
import type { CompanyEvents } from "../services/ports/events";
import { EnqueueQuota, type EnqueueQuotas } from "../tenancy/enqueue-quota";
import { OwnedJobs } from "../tenancy/owned-jobs";
import type { Ownership } from "../tenancy/ownership";
import type { Logger } from "./logger";

export interface ApiDependencies {
  readonly sequelize: Sequelize;
  readonly jwtSecret: string;
  readonly queues: QueueRuntime;
  /** Who owns each job (runtime/tenancy), for the API and Bull Board alike. */
  readonly ownership: Ownership;
  /** A company's enqueue quotas. @defaultValue DEFAULT_QUOTAS */
  readonly quotas?: EnqueueQuotas;
  readonly plan: () => Plan;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Company events (a cancelled campaign is announced to its company). */
  readonly events?: CompanyEvents;
  /** Every /api request is answered within this (503 CF_API_TIMEOUT). @defaultValue 15000 */
  readonly requestTimeoutMs?: number;
}

const PUBLIC_PATHS = new Set(["/openapi.json"]);
const BOARD_PATH = "/admin/queues";

/** Mounts the API, the metrics and Bull Board; returns what a reload must call, and the auth. */
export function mountApi(
  app: Express,
  deps: ApiDependencies,
): { refresh(): void; auth: AuthService } {
  const { sequelize, jwtSecret, queues } = deps;
  const auth = new AuthService({ sequelize, jwtSecret });
  const owned = new OwnedJobs(deps.ownership);
  app.use("/api", requestDeadline(deps.requestTimeoutMs ?? 15_000));
  app.use("/api", ...apiBodyLimit());
  app.use(createAuthRouter({ sequelize, jwtSecret }));
  const guard = authenticate(auth);
  app.use("/api", (req, res, next) =>
    PUBLIC_PATHS.has(req.path) ? next() : guard(req, res, next),
  );
  app.use(
    createQueuesRouter({
      queues,
      ownership: deps.ownership,
      quota: new EnqueueQuota(queues.redis, `${queues.prefix}:chatia:`, owned, deps.quotas),
      plan: deps.plan,
      log: deps.log,
    }),
  );
  app.use(
    createCampaignsRouter({
      sequelize,
      queues,
      plan: deps.plan,
      log: deps.log,
      ...(deps.events && { events: deps.events }),
    }),
  );
  // Whatever no route above answered under /api: JSON 404, and JSON for any error left.
  app.use("/api", (req, res) => {
    const route = `${req.method} ${req.baseUrl}${req.path}`.slice(0, 200);
    sendError(res, 404, "CF_API_NOT_FOUND", `no API route ${route}`);
  });
  app.use("/api", errorHandler(deps.log));
  app.use("/api", afterDeadline(deps.log));
  // Metrics count every company's jobs: for super-admins only.
  app.use(createMetricsRouter(deps.metrics, [guard, requireSuper()]));
  // Bull Board: all queues of the manifest; read-only unless super-admin; a login page sets a cookie.
  const board = createBullBoard({
    queues: () => queues.currentPlan.queues.map((q) => queues.queue(q.name)),
    basePath: BOARD_PATH,
    owned,
  });
  app.use(createAdminSessionRouter({ auth }));
  app.use(BOARD_PATH, adminAuthenticate(auth), requireProfile("admin"), board.router);
  return { refresh: () => board.refresh(), auth };
}
