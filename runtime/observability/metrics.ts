// Prometheus metrics of a runtime, in a registry of its own (never prom-client's global one, so
// that two runtimes in one process, as in the tests, do not mix): jobs and flow runs counted as
// they finish, Bull's counts by state read at scrape time, and the process_* / nodejs_* defaults.
// `createMetricsRouter` serves them as `GET /metrics` behind the guard it is given.
import { type RequestHandler, Router } from "express";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { countJobs, JOB_STATES } from "../adapters/bull/bull-queue-adapter";
import type { QueueRuntime } from "../queues/queue-runtime";

/** How a job's attempt ended: `retried` is a failed attempt that Bull will try again. */
export type JobOutcome = "completed" | "failed" | "retried";

/** Seconds, from 1 ms to 5 min. */
export const JOB_DURATION_BUCKETS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
] as const;

/** What the queue gauge reads: the queues of the current plan and a Bull queue by name. */
export type MetricsQueueSource = Pick<QueueRuntime, "currentPlan" | "queue">;

export class Metrics {
  readonly registry = new Registry();
  private readonly jobs: Counter<"queue" | "job" | "outcome">;
  private readonly durations: Histogram<"queue" | "job" | "outcome">;
  private readonly flowRuns: Counter<"flow">;
  private readonly flowErrors: Counter<"flow">;

  constructor(queues: MetricsQueueSource) {
    const registers = [this.registry];
    this.jobs = new Counter({
      name: "chatia_jobs_total",
      help: "Job attempts finished, by queue, job name and outcome (completed, failed, retried).",
      labelNames: ["queue", "job", "outcome"],
      registers,
    });
    this.durations = new Histogram({
      name: "chatia_job_duration_seconds",
      help: "Duration of job attempts in seconds, by queue, job name and outcome.",
      labelNames: ["queue", "job", "outcome"],
      buckets: [...JOB_DURATION_BUCKETS],
      registers,
    });
    this.flowRuns = new Counter({
      name: "chatia_flow_runs_total",
      help: "Flow runs finished (one per job attempt), by flow.",
      labelNames: ["flow"],
      registers,
    });
    this.flowErrors = new Counter({
      name: "chatia_flow_errors_total",
      help: "Flow runs that failed their job (retried or not), by flow.",
      labelNames: ["flow"],
      registers,
    });
    new Gauge({
      name: "chatia_queue_jobs",
      help: "Jobs in each Bull queue of the current plan, by state, read at scrape time.",
      labelNames: ["queue", "state"],
      registers,
      async collect() {
        // Read every queue first, so that a Redis error fails the scrape without a half-set gauge.
        const names = queues.currentPlan.queues.map((q) => q.name);
        const counts = await Promise.all(names.map((name) => countJobs(queues.queue(name))));
        this.reset();
        names.forEach((queue, i) => {
          for (const state of JOB_STATES) this.set({ queue, state }, counts[i]?.[state] ?? 0);
        });
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Records one finished attempt of job `queue`/`job`, run by `flow`, that took `seconds`. */
  jobFinished(
    queue: string,
    job: string,
    flow: string,
    outcome: "completed" | "failed",
    seconds: number,
    willRetry: boolean,
  ): void {
    const recorded: JobOutcome = outcome === "failed" && willRetry ? "retried" : outcome;
    const series = this.jobSeries(queue, job, recorded);
    series.count.inc();
    series.duration.observe(Math.max(0, seconds));
    const flowSeries = this.flowSeries(flow);
    flowSeries.runs.inc();
    if (outcome === "failed") flowSeries.errors.inc();
  }

  // Labelled children looked up once per label set: this runs for every job.
  private readonly jobChildren = new Map<
    string,
    { count: { inc(): void }; duration: { observe(v: number): void } }
  >();
  private readonly flowChildren = new Map<
    string,
    { runs: { inc(): void }; errors: { inc(): void } }
  >();

  private jobSeries(queue: string, job: string, outcome: JobOutcome) {
    const key = `${queue}\u0000${job}\u0000${outcome}`;
    let series = this.jobChildren.get(key);
    if (!series) {
      const labels = { queue, job, outcome };
      series = { count: this.jobs.labels(labels), duration: this.durations.labels(labels) };
      this.jobChildren.set(key, series);
    }
    return series;
  }

  private flowSeries(flow: string) {
    let series = this.flowChildren.get(flow);
    if (!series) {
      series = { runs: this.flowRuns.labels({ flow }), errors: this.flowErrors.labels({ flow }) };
      this.flowChildren.set(flow, series);
    }
    return series;
  }

  /** The registry in the text exposition format. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

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

/** What measureJob needs of a job's plan. */
interface MeasuredJob {
  readonly queue: string;
  readonly name: string;
  readonly flow: string;
  readonly options: { readonly attempts: number };
}

/** Runs a job (`attemptsMade` runs before this one), recording its outcome and duration. */
export function measureJob(
  metrics: Metrics,
  attemptsMade: number,
  plan: MeasuredJob,
  run: () => Promise<unknown>,
): Promise<unknown> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  return run().then(
    (result) => {
      metrics.jobFinished(plan.queue, plan.name, plan.flow, "completed", seconds(), false);
      return result;
    },
    (err: unknown) => {
      // A user error is never retried, whatever attempts are left.
      const userError = (err as { kind?: unknown } | undefined)?.kind === "user";
      const willRetry = !userError && attemptsMade + 1 < plan.options.attempts;
      metrics.jobFinished(plan.queue, plan.name, plan.flow, "failed", seconds(), willRetry);
      throw err;
    },
  );
}
