// Prometheus metrics of a runtime, in a registry of its own (never prom-client's global one, so
// that two runtimes in one process, as in the tests, do not mix): jobs and flow runs counted as
// they finish, Bull's counts by state read at scrape time, and the process_* / nodejs_* defaults.
// runtime/http/metrics-endpoint.ts serves them as `GET /metrics`.
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { Plan } from "../compile";
import { JOB_STATES, type JobQueue } from "../services/ports/job-queue";

/** How a job's attempt ended: `retried` is a failed attempt that Bull will try again. */
export type JobOutcome = "completed" | "failed" | "retried";

/** Seconds, from 1 ms to 5 min. */
export const JOB_DURATION_BUCKETS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
] as const;

/** What the queue gauge reads: the queues of the current plan and a queue by name (QueueRuntime). */
export interface MetricsQueueSource {
  readonly currentPlan: Plan;
  queue(name: string): Pick<JobQueue, "countJobs">;
}

/** One labelled series of job attempts: a count, a sum of seconds and per-bucket counts. */
class JobSeries {
  count = 0;
  sum = 0;
  /** Attempts per bucket (not cumulative); the last slot is over the largest bound (+Inf). */
  readonly buckets = new Float64Array(JOB_DURATION_BUCKETS.length + 1);

  constructor(readonly labels: Readonly<Record<"queue" | "job" | "outcome", string>>) {}

  observe(seconds: number): void {
    this.count += 1;
    this.sum += seconds;
    let i = 0;
    while (i < JOB_DURATION_BUCKETS.length && seconds > (JOB_DURATION_BUCKETS[i] as number)) i += 1;
    this.buckets[i] = (this.buckets[i] as number) + 1;
  }
}

/** Runs and errors of one flow. */
interface FlowSeries {
  readonly flow: string;
  runs: number;
  errors: number;
}

/** A sample as prom-client's registry renders it. */
interface MetricValue {
  readonly value: number;
  readonly labels: Record<string, string | number>;
  readonly metricName?: string;
}

/**
 * A metric the registry reads at scrape time (`get()`), for series that the runtime counts in
 * plain fields: recording a job is then a few additions, with no label hashing on the job's path.
 */
function scrapedMetric(
  registry: Registry,
  name: string,
  type: "counter" | "histogram",
  help: string,
  values: () => MetricValue[],
): void {
  registry.registerMetric({
    name,
    help,
    type,
    aggregator: "sum",
    get: async () => ({ name, help, type, aggregator: "sum", values: values() }),
  } as unknown as Parameters<Registry["registerMetric"]>[0]);
}

/** The series a job's plan records into, resolved once per plan object (plans change on reload). */
interface PlanSeries {
  readonly completed: JobSeries;
  readonly failed: JobSeries;
  readonly retried: JobSeries;
  readonly flow: FlowSeries;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly jobSeries = new Map<string, JobSeries>();
  private readonly flowSeries = new Map<string, FlowSeries>();
  private readonly planSeries = new WeakMap<MeasuredJob, PlanSeries>();

  constructor(queues: MetricsQueueSource) {
    const registers = [this.registry];
    const jobs = () => [...this.jobSeries.values()];
    const flows = () => [...this.flowSeries.values()];
    scrapedMetric(
      this.registry,
      "chatia_jobs_total",
      "counter",
      "Job attempts finished, by queue, job name and outcome (completed, failed, retried).",
      () => jobs().map((s) => ({ labels: { ...s.labels }, value: s.count })),
    );
    scrapedMetric(
      this.registry,
      "chatia_job_duration_seconds",
      "histogram",
      "Duration of job attempts in seconds, by queue, job name and outcome.",
      () => jobs().flatMap(histogramValues),
    );
    scrapedMetric(
      this.registry,
      "chatia_flow_runs_total",
      "counter",
      "Flow runs finished (one per job attempt), by flow.",
      () => flows().map((f) => ({ labels: { flow: f.flow }, value: f.runs })),
    );
    scrapedMetric(
      this.registry,
      "chatia_flow_errors_total",
      "counter",
      "Flow runs that failed their job (retried or not), by flow.",
      () => flows().map((f) => ({ labels: { flow: f.flow }, value: f.errors })),
    );
    new Gauge({
      name: "chatia_queue_jobs",
      help: "Jobs in each Bull queue of the current plan, by state, read at scrape time.",
      labelNames: ["queue", "state"],
      registers,
      async collect() {
        // Read every queue first, so that a Redis error fails the scrape without a half-set gauge.
        const names = queues.currentPlan.queues.map((q) => q.name);
        const counts = await Promise.all(names.map((name) => queues.queue(name).countJobs()));
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
    this.record(this.series(queue, job, recorded), this.flow(flow), recorded, seconds);
  }

  /** jobFinished for a job's plan, with its series looked up once per plan object. */
  planFinished(plan: MeasuredJob, outcome: JobOutcome, seconds: number): void {
    let series = this.planSeries.get(plan);
    if (!series) {
      const { queue, name } = plan;
      series = {
        completed: this.series(queue, name, "completed"),
        failed: this.series(queue, name, "failed"),
        retried: this.series(queue, name, "retried"),
        flow: this.flow(plan.flow),
      };
      this.planSeries.set(plan, series);
    }
    this.record(series[outcome], series.flow, outcome, seconds);
  }

  private record(job: JobSeries, flow: FlowSeries, outcome: JobOutcome, seconds: number): void {
    job.observe(Math.max(0, seconds));
    flow.runs += 1;
    if (outcome !== "completed") flow.errors += 1;
  }

  private series(queue: string, job: string, outcome: JobOutcome): JobSeries {
    const key = `${queue}\u0000${job}\u0000${outcome}`;
    let series = this.jobSeries.get(key);
    if (!series) {
      series = new JobSeries({ queue, job, outcome });
      this.jobSeries.set(key, series);
    }
    return series;
  }

  private flow(flow: string): FlowSeries {
    let series = this.flowSeries.get(flow);
    if (!series) {
      series = { flow, runs: 0, errors: 0 };
      this.flowSeries.set(flow, series);
    }
    return series;
  }

  /** The registry in the text exposition format. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** A series' histogram samples: cumulative `_bucket`s up to `+Inf`, then `_sum` and `_count`. */
function histogramValues(s: JobSeries): MetricValue[] {
  const name = "chatia_job_duration_seconds";
  const values: MetricValue[] = [];
  let cumulative = 0;
  s.buckets.forEach((n, i) => {
    cumulative += n;
    const le = i < JOB_DURATION_BUCKETS.length ? (JOB_DURATION_BUCKETS[i] as number) : "+Inf";
    values.push({ metricName: `${name}_bucket`, labels: { ...s.labels, le }, value: cumulative });
  });
  values.push({ metricName: `${name}_sum`, labels: { ...s.labels }, value: s.sum });
  values.push({ metricName: `${name}_count`, labels: { ...s.labels }, value: s.count });
  return values;
}

/** What the metrics need of a job's plan. */
interface MeasuredJob {
  readonly queue: string;
  readonly name: string;
  readonly flow: string;
}
