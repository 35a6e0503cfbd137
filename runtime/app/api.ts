// The HTTP API on the runtime's server: /api/auth/* (login, refresh, logout), then everything else
// under /api behind authentication, except the OpenAPI document.
import type { Express } from "express";
import type { Sequelize } from "../adapters/db";
import { AuthService, authenticate, createAuthRouter } from "../api/auth";
import { createQueuesRouter } from "../api/routes";
import type { Plan } from "../compile";
import type { QueueRuntime } from "../queues/queue-runtime";
import type { Logger } from "./logger";

export interface ApiDependencies {
  readonly sequelize: Sequelize;
  readonly jwtSecret: string;
  readonly queues: QueueRuntime;
  readonly plan: () => Plan;
  readonly log: Logger;
}

const PUBLIC_PATHS = new Set(["/openapi.json"]);

export function mountApi(app: Express, deps: ApiDependencies): void {
  const { sequelize, jwtSecret } = deps;
  app.use(createAuthRouter({ sequelize, jwtSecret }));
  const guard = authenticate(new AuthService({ sequelize, jwtSecret }));
  app.use("/api", (req, res, next) =>
    PUBLIC_PATHS.has(req.path) ? next() : guard(req, res, next),
  );
  app.use(createQueuesRouter({ queues: deps.queues, plan: deps.plan, log: deps.log }));
}
