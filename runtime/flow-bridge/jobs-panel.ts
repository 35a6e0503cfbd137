// What the editor's jobs tab shows and does for the job of the flow on screen: its queue's counts,
// its latest and failed jobs (with the error code and the node that failed), retrying a failed one,
// and test runs: a job enqueued with the payload typed in the editor, checked against its payload
// schema, under a `trace-` id so that the worker running it records its path (job-traces.ts).
// The tab is served under the editor's admin root, behind the editor's login (nodes/jobs-panel).
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { JobPlan } from "../compile";
import { ChatiaError } from "../errors";
import type { QueueRuntime } from "../queues/queue-runtime";
import type { JobState, QueuedJob } from "../services/ports/job-queue";
import { type JobTrace, loadTrace, TRACE_ID_PREFIX } from "./job-traces";
import type { JobsPanelApi } from "./node-context";
import { failureInfo } from "./node-failure";

export interface PanelJob {
  readonly id: string;
  readonly state: string;
  readonly attemptsMade: number;
  readonly timestamp: number;
  readonly finishedOn: number | null;
  readonly failedReason: string | null;
  readonly code: string | null;
  readonly nodeId: string | null;
  readonly nodeLabel: string | null;
  /** A test run from the editor (its trace can be shown). */
  readonly testRun: boolean;
}

export interface PanelOverview {
  readonly queue: string;
  readonly job: string;
  readonly flow: string;
  readonly enabled: boolean;
  readonly description: string | null;
  /** Jobs of the whole queue in each state (Bull counts per queue, not per job name). */
  readonly counts: Record<JobState, number>;
  readonly latest: PanelJob[];
  readonly failed: PanelJob[];
  /** The payload schema, for the run form; null when the job takes any data. */
  readonly payloadSchema: unknown;
}

/** How many jobs of each state are looked at for one job name, newest first. */
const SCAN = 100;
const SHOWN = 10;

export class JobsPanel implements JobsPanelApi {
  constructor(private readonly queues: QueueRuntime) {}

  async overview(queue: string, name: string): Promise<PanelOverview> {
    const plan = this.plan(queue, name);
    const bull = this.queues.queue(queue);
    const ofName = async (state: JobState) =>
      (await bull.jobsInState(state, 0, SCAN - 1)).filter((j) => j.name === name);
    const [counts, active, waiting, delayed, completed, failed] = await Promise.all([
      bull.countJobs(),
      ofName("active"),
      ofName("waiting"),
      ofName("delayed"),
      ofName("completed"),
      ofName("failed"),
    ]);
    const states: [string, QueuedJob[]][] = [
      ["active", active],
      ["waiting", waiting],
      ["delayed", delayed],
      ["completed", completed],
      ["failed", failed],
    ];
    const latest = states
      .flatMap(([state, jobs]) => jobs.map((j) => view(j, state)))
      .sort((a, b) => b.timestamp - a.timestamp)
      .slice(0, SHOWN);
    return {
      queue,
      job: name,
      flow: plan.flow,
      enabled: plan.enabled,
      description: plan.description ?? null,
      counts,
      latest,
      failed: failed.slice(0, SHOWN).map((j) => view(j, "failed")),
      payloadSchema: await this.payloadSchema(plan),
    };
  }

  /**
   * One job of this name, with the trace of its latest traced attempt when there is one. A traced
   * job Bull already removed (`removeOnComplete: true`) is answered from its trace.
   */
  async job(
    queue: string,
    name: string,
    id: string,
  ): Promise<PanelJob & { result: unknown; trace: JobTrace | null }> {
    this.plan(queue, name);
    const [job, trace] = await Promise.all([
      this.queues.queue(queue).findJob(id),
      loadTrace(this.queues.redis, this.queues.prefix, queue, id),
    ]);
    if (job && job.name === name)
      return {
        ...view(job, await job.getState()),
        result: job.returnvalue ?? null,
        trace: trace ?? null,
      };
    if (!trace || trace.name !== name)
      throw new ChatiaError("CF_API_NOT_FOUND", `there is no job ${id} of ${queue}/${name}`);
    return { ...fromTrace(trace), result: trace.result ?? null, trace };
  }

  /** Runs a failed job again (its attempts start over). */
  async retry(queue: string, name: string, id: string): Promise<void> {
    const job = await this.find(queue, name, id);
    const state = await job.getState();
    if (state !== "failed")
      throw new ChatiaError(
        "CF_API_CONFLICT",
        `job ${id} is ${state}: only a failed job is retried`,
      );
    await job.retry();
  }

  /** Enqueues a test run of the job with `payload` (checked against its schema); its path is traced. */
  async run(queue: string, name: string, payload: unknown): Promise<{ id: string }> {
    this.plan(queue, name);
    const job = await this.queues.enqueue(queue, name, payload, {
      jobId: `${TRACE_ID_PREFIX}${randomUUID()}`,
      delayMs: 0,
    });
    return { id: String(job.id) };
  }

  private plan(queue: string, name: string): JobPlan {
    const plan = this.queues.jobPlan(queue, name);
    if (!plan)
      throw new ChatiaError("CF_API_NOT_FOUND", `there is no job ${queue}/${name} in the manifest`);
    return plan;
  }

  private async find(queue: string, name: string, id: string): Promise<QueuedJob> {
    this.plan(queue, name);
    const job = await this.queues.queue(queue).findJob(id);
    if (!job || job.name !== name)
      throw new ChatiaError("CF_API_NOT_FOUND", `there is no job ${id} of ${queue}/${name}`);
    return job;
  }

  private async payloadSchema(plan: JobPlan): Promise<unknown> {
    if (!plan.payloadSchema) return null;
    return JSON.parse(await readFile(plan.payloadSchema, "utf8"));
  }
}

/** A traced job Bull no longer holds, as its trace tells it. */
function fromTrace(trace: JobTrace): PanelJob {
  const state = trace.outcome ?? "removed";
  return {
    id: trace.id,
    state,
    attemptsMade: trace.attempt,
    timestamp: trace.startedAt,
    finishedOn: trace.ms === undefined ? null : trace.startedAt + trace.ms,
    failedReason: trace.error?.message ?? null,
    code: trace.error?.code ?? null,
    nodeId: trace.error?.nodeId ?? null,
    nodeLabel: null,
    testRun: true,
  };
}

function view(job: QueuedJob, state: string): PanelJob {
  const failure = failureInfo(job.failedReason, job.stacktrace ?? []);
  return {
    id: String(job.id),
    state,
    attemptsMade: job.attemptsMade,
    timestamp: job.timestamp,
    finishedOn: job.finishedOn ?? null,
    failedReason: job.failedReason ?? null,
    ...failure,
    testRun: String(job.id).startsWith(TRACE_ID_PREFIX),
  };
}
