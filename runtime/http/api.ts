// The HTTP API on the runtime's server: /api/auth/* (login, refresh, logout), then everything else
// under /api behind authentication, except the OpenAPI document; /metrics for admins; Bull Board
// at /admin/queues behind the same login.
import type { Express } from "express";
import type { Plan } from "../compile";
import type { Logger } from "../observability/logger";
import type { Metrics } from "../observability/metrics";
import type { QueueRuntime } from "../queues/queue-runtime";
import type { ArrivalLine } from "../services/ports/arrivals";
import type { AuthStore } from "../services/ports/auth-store";
import type { CampaignProgressStore } from "../services/ports/campaign-progress-store";
import type { CompanyEvents } from "../services/ports/events";
import { EnqueueQuota, type EnqueueQuotas } from "../tenancy/enqueue-quota";
import { OwnedJobs } from "../tenancy/owned-jobs";
import type { Ownership } from "../tenancy/ownership";
import { adminAuthenticate, createAdminSessionRouter } from "./admin-session";
import { AuthService, authenticate, createAuthRouter, requireProfile, requireSuper } from "./auth";
import { LoginLimits } from "./auth/login-limits";
import { apiBodyLimit, BOARD_BODY_LIMIT, jsonBodyLimit } from "./body-limit";
import { bullBoardRouter, type QueueBoards } from "./bull-board";
import { afterDeadline, requestDeadline } from "./deadline";
import { sendError } from "./errors";
import { createMetricsRouter } from "./metrics-endpoint";
import { createCampaignsRouter, createQueuesRouter } from "./routes";
import { errorHandler } from "./routes/guards";

export interface ApiDependencies {
  /** Users and tokens of the API's logins. */
  readonly authStore: AuthStore;
  /** Campaign counts and cancellation. */
  readonly campaignStore: CampaignProgressStore;
  /** Bull Board over the plan's queues, given which jobs a caller may see (runtime/tenancy). */
  readonly boards: (owned: OwnedJobs) => QueueBoards & { refresh(): void };
  readonly jwtSecret: string;
  readonly queues: QueueRuntime;
  /** Who owns each job (runtime/tenancy), for the API and Bull Board alike. */
  readonly ownership: Ownership;
  /** A company's enqueue quotas. @defaultValue DEFAULT_QUOTAS */
  readonly quotas?: EnqueueQuotas;
  /** Enqueues under way in every api process, counted against a company's jobs waiting. */
  readonly enqueuesUnderWay: ArrivalLine;
  readonly plan: () => Plan;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Company events (a cancelled campaign is announced to its company). */
  readonly events?: CompanyEvents;
  /** Every /api request is answered within this (503 CF_API_TIMEOUT). @defaultValue 15000 */
  readonly requestTimeoutMs?: number;
  /** The process's login limits, shared with the editor's login. @defaultValue its own */
  readonly logins?: LoginLimits;
}

const PUBLIC_PATHS = new Set(["/openapi.json"]);
/** Where Bull Board is mounted (its pages link from it). */
export const BOARD_PATH = "/admin/queues";

/** Mounts the API, the metrics and Bull Board; returns what a reload must call, and the auth. */
export function mountApi(
  app: Express,
  deps: ApiDependencies,
): { refresh(): void; auth: AuthService } {
  const { authStore: store, jwtSecret, queues } = deps;
  const auth = new AuthService({ store, jwtSecret });
  const owned = new OwnedJobs(deps.ownership);
  const limits = deps.logins ?? new LoginLimits();
  app.use("/api", requestDeadline(deps.requestTimeoutMs ?? 15_000));
  app.use("/api", ...apiBodyLimit());
  app.use(createAuthRouter({ store, jwtSecret, limits }));
  const guard = authenticate(auth);
  app.use("/api", (req, res, next) =>
    PUBLIC_PATHS.has(req.path) ? next() : guard(req, res, next),
  );
  app.use(
    createQueuesRouter({
      queues,
      ownership: deps.ownership,
      quota: new EnqueueQuota(
        queues.redis,
        `${queues.prefix}:chatia:`,
        owned,
        deps.enqueuesUnderWay,
        deps.quotas,
      ),
      plan: deps.plan,
      log: deps.log,
    }),
  );
  app.use(
    createCampaignsRouter({
      store: deps.campaignStore,
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
  const board = deps.boards(owned);
  app.use(createAdminSessionRouter({ auth, limits }));
  app.use(
    BOARD_PATH,
    adminAuthenticate(auth),
    requireProfile("admin"),
    ...jsonBodyLimit(BOARD_BODY_LIMIT),
    bullBoardRouter(board),
  );
  return { refresh: () => board.refresh(), auth };
}
