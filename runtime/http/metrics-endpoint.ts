// `GET /metrics`: the runtime's metrics (runtime/observability/metrics.ts) in Prometheus' text
// format, behind the guard it is given.
import { type RequestHandler, Router } from "express";
import type { Metrics } from "../observability/metrics";

/** `GET /metrics` behind `guard` (the runtime passes authenticate + requireProfile("admin")). */
export function createMetricsRouter(
  metrics: Metrics,
  guard: RequestHandler | readonly RequestHandler[],
): Router {
  const router = Router();
  const guards = Array.isArray(guard) ? [...guard] : [guard as RequestHandler];
  router.get("/metrics", ...guards, async (_req, res) => {
    const { contentType, body } = await metrics.render();
    res.setHeader("Cache-Control", "no-store");
    res.type(contentType).send(body);
  });
  return router;
}
