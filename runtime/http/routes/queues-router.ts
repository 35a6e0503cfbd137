// The queue API: the effective manifest, the cron plan, queues with their counts, their jobs by
// state, job detail and actions, enqueueing. It assumes an auth middleware ran before it (see
// guards.ts for who may do what; which jobs a company sees and may start is runtime/tenancy's).
import { createHash, randomUUID } from "node:crypto";
import path from "node:path";
import express, { type Request, Router } from "express";
import type { Plan, QueuePlan } from "../../compile";
import { ChatiaError, ENQUEUE_REFUSAL_STATUS } from "../../errors";
import type { QueueRuntime } from "../../queues/queue-runtime";
import type { RepeatableDiff } from "../../queues/repeatables";
import type { JobQueue, QueuedJob } from "../../services/ports/job-queue";
import type { EnqueueQuota } from "../../tenancy/enqueue-quota";
import { OwnedJobs } from "../../tenancy/owned-jobs";
import type { Ownership } from "../../tenancy/ownership";
import type { AuthContext } from "../auth-context";
import { addingJob } from "../deadline";
import { openApiDocument } from "../openapi";
import { adminOf, callerOf, type ErrorLog, errorHandler, superOf } from "./guards";
import {
  HttpError,
  parseCleanBody,
  parseEnqueueBody,
  parseJobId,
  parseJobListQuery,
} from "./inputs";
import { effectiveManifest, jobDetail, jobSummary } from "./job-views";

export interface QueuesRouterDeps {
  readonly queues: QueueRuntime;
  /** Who owns each job: what a company sees, and what it may start (runtime/tenancy). */
  readonly ownership: Ownership;
  /** A company's enqueue quotas; none when absent. */
  readonly quota?: EnqueueQuota;
  /** The running plan (it changes on hot reload). */
  readonly plan: () => Plan;
  /** Hears of the errors answered 500 / 503. */
  readonly log?: ErrorLog;
}

/** Request bodies above this are refused with 413 `CF_API_TOO_LARGE`. */
export const BODY_LIMIT = "256kb";
export function createQueuesRouter(deps: QueuesRouterDeps): Router {
  const router = Router();
  const json = express.json({ limit: BODY_LIMIT });
  const owned = new OwnedJobs(deps.ownership);
  const q = queueAccess(deps, owned);

  router.get("/api/openapi.json", (_req, res) => {
    res.json(openApiDocument);
  });
  router.get("/api/manifest", (req, res) => {
    callerOf(req);
    res.json({ ...effectiveManifest(deps.plan()), source: path.basename(deps.plan().source) });
  });
  // The cron triggers are system jobs: super-admins only.
  router.get("/api/plan", async (req, res) => {
    superOf(req, "only a super-admin may read the cron plan: cron triggers are system jobs");
    res.json(planView(await deps.queues.diffRepeatables()));
  });
  router.get("/api/queues", async (req, res) => {
    const auth = callerOf(req);
    res.json({ queues: await Promise.all(deps.plan().queues.map((p) => q.summary(p, auth))) });
  });
  router.get("/api/queues/:queue/jobs", async (req, res) => {
    const auth = callerOf(req);
    const queue = q.open(req.params.queue);
    const query = parseJobListQuery(req.query);
    const start = (query.page - 1) * query.pageSize;
    const end = start + query.pageSize - 1;
    let jobs: QueuedJob[];
    let total: number;
    if (auth.super) {
      total = (await queue.countJobs())[query.state];
      jobs = await queue.jobsInState(query.state, start, end);
    } else {
      ({ total, jobs } = await owned.page(auth, queue, [query.state], start, end));
    }
    res.json({ ...query, queue: req.params.queue, total, jobs: jobs.map(jobSummary) });
  });
  router.get("/api/queues/:queue/jobs/:id", async (req, res) => {
    const { queue, job } = await q.visibleJob(req, callerOf(req));
    const [state, logs] = await Promise.all([job.getState(), queue.jobLogs(String(job.id))]);
    res.json(jobDetail(job, req.params.queue, state, logs));
  });
  router.post("/api/queues/:queue/jobs/:id/:action", async (req, res) => {
    const { job } = await q.visibleJob(req, adminOf(req));
    const action = jobActions[req.params.action];
    if (!action)
      throw new HttpError(404, "CF_API_NOT_FOUND", `no job action "${req.params.action}"`);
    await action(job);
    res.json({ id: String(job.id), action: req.params.action });
  });
  router.post("/api/queues/:queue/jobs", json, async (req, res) => {
    const auth = adminOf(req);
    q.open(req.params.queue);
    const body = parseEnqueueBody(req.body);
    const key = idempotencyKey(req);
    const data = await ownedData(deps, auth, req.params.queue, body);
    const scope = auth.super ? "super" : `company-${auth.companyId}`;
    // The id is chosen here, so that a request answered by the deadline can name its job, and
    // the quota counts an enqueue under way once.
    const jobId = (key && jobIdFor(scope, key)) ?? randomUUID();
    const admission = await deps.quota?.admit(auth, q.open(req.params.queue), jobId, data);
    const { refused } = admission ?? {};
    if (refused)
      throw new HttpError(refused.status, "CF_TENANCY_QUOTA", refused.message, refused.details);
    addingJob(res, jobId);
    try {
      const job = await enqueue(deps.queues, req.params.queue, { ...body, data }, jobId);
      res.status(201).json({ id: String(job.id) });
    } finally {
      await admission?.release?.();
    }
  });
  router.post("/api/queues/:queue/pause", async (req, res) => {
    superOf(req);
    await q.open(req.params.queue).setPaused(true);
    res.json({ queue: req.params.queue, paused: true });
  });
  router.post("/api/queues/:queue/resume", async (req, res) => {
    superOf(req);
    await q.open(req.params.queue).setPaused(false);
    res.json({ queue: req.params.queue, paused: false });
  });
  router.post("/api/queues/:queue/clean", json, async (req, res) => {
    superOf(req);
    const queue = q.open(req.params.queue);
    const body = parseCleanBody(req.body);
    const state = body.state === "waiting" ? "wait" : body.state;
    const removed = await queue.cleanJobs(state, body.graceMs, body.limit);
    res.json({ queue: req.params.queue, state: body.state, removed });
  });
  router.use(errorHandler(deps.log));
  return router;
}

/** The job actions, each first checking the job's state so that a wrong one is a 409. */
const jobActions: Record<string, ((job: QueuedJob) => Promise<void>) | undefined> = {
  retry: (job) => inState(job, ["failed"], "retried", (j) => j.retry()),
  promote: (job) => inState(job, ["delayed"], "promoted", (j) => j.promote()),
  remove: (job) =>
    inState(job, ["waiting", "delayed", "completed", "failed", "paused"], "removed", (j) =>
      j.remove(),
    ),
};

async function inState(
  job: QueuedJob,
  allowed: readonly string[],
  verb: string,
  act: (job: QueuedJob) => Promise<void>,
): Promise<void> {
  const state = await job.getState();
  if (!allowed.includes(state))
    throw new HttpError(409, "CF_API_CONFLICT", `job ${job.id} is ${state}: it cannot be ${verb}`, {
      state,
    });
  try {
    await act(job);
  } catch (err) {
    // The job moved between the check and the action (e.g. a worker took it).
    throw new HttpError(409, "CF_API_CONFLICT", `job ${job.id} cannot be ${verb}: ${String(err)}`);
  }
}

/**
 * The data to enqueue, once runtime/tenancy allows it: a job a company may start (403, before its
 * data are read), valid for its schema (400), referencing only the company's rows and media
 * (404); stamped with its company.
 */
async function ownedData(
  deps: QueuesRouterDeps,
  auth: AuthContext,
  queue: string,
  body: ReturnType<typeof parseEnqueueBody>,
): Promise<unknown> {
  const refusal = deps.ownership.refuseStart(auth, queue, body.name);
  if (refusal) throw new HttpError(refusal.status, refusal.code, refusal.message);
  try {
    deps.queues.checkPayload(queue, body.name, body.data);
  } catch (err) {
    throw enqueueError(err);
  }
  if (!auth.super && !deps.queues.jobPlan(queue, body.name)?.payloadSchema)
    throw new HttpError(
      403,
      "CF_TENANCY_SYSTEM_JOB",
      `${queue}/${body.name} has no payload schema: only a super-admin may enqueue it`,
    );
  const verdict = await deps.ownership.checkEnqueue(auth, queue, body.name, body.data);
  if (!verdict.ok) throw new HttpError(verdict.status, verdict.code, verdict.message);
  return verdict.data;
}

function queueAccess(deps: QueuesRouterDeps, owned: OwnedJobs) {
  const planOf = (name: string): QueuePlan => {
    const plan = deps.plan().queues.find((p) => p.name === name);
    if (!plan) throw new HttpError(404, "CF_API_NOT_FOUND", `there is no queue "${name}"`);
    return plan;
  };
  const open = (name: string): JobQueue => deps.queues.queue(planOf(name).name);
  return {
    open,
    /** A queue's counts: queue-wide for a super-admin, of the caller's own jobs for anyone else. */
    async summary(plan: QueuePlan, auth: AuthContext) {
      const queue = open(plan.name);
      const [counts, paused] = await Promise.all([
        auth.super ? queue.countJobs() : owned.counts(auth, queue),
        queue.isPaused(),
      ]);
      return {
        name: plan.name,
        description: plan.description ?? null,
        counts,
        paused,
        concurrency: plan.concurrency,
        rateLimit: plan.rateLimit ?? null,
      };
    },
    /** The job of `:queue/:id` if the caller may see it; 404 alike when missing or foreign. */
    async visibleJob(req: Request, auth: AuthContext) {
      const queue = open(String(req.params.queue));
      const id = parseJobId(String(req.params.id));
      const job = await owned.visibleJob(auth, queue, id);
      if (!job)
        throw new HttpError(
          404,
          "CF_API_NOT_FOUND",
          `there is no job ${id} in ${req.params.queue}`,
        );
      return { queue, job };
    },
  };
}

async function enqueue(
  queues: QueueRuntime,
  queue: string,
  body: ReturnType<typeof parseEnqueueBody>,
  jobId: string | undefined,
): Promise<QueuedJob> {
  try {
    return await queues.enqueue(queue, body.name, body.data, {
      ...(jobId !== undefined && { jobId }),
      ...(body.delayMs !== undefined && { delayMs: body.delayMs }),
      ...(body.priority !== undefined && { priority: body.priority }),
    });
  } catch (err) {
    throw enqueueError(err);
  }
}

/** A refused payload or job as the 400 it is; anything else as it is. */
function enqueueError(err: unknown): unknown {
  const status = err instanceof ChatiaError ? ENQUEUE_REFUSAL_STATUS[err.code] : undefined;
  if (status === undefined || !(err instanceof ChatiaError)) return err;
  return new HttpError(status, err.code, err.message, err.details);
}

/** The `Idempotency-Key` header, when sent (1 to 200 characters). */
function idempotencyKey(req: Request): string | undefined {
  const key = req.get("idempotency-key");
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > 200)
    throw new HttpError(400, "CF_API_BAD_REQUEST", "Idempotency-Key must be 1 to 200 characters");
  return key;
}

/**
 * The job id of an idempotent enqueue: the same key (within one company) gives the same id, and
 * Bull ignores an add whose id exists. Scoped by company so that one company's key neither
 * collides with nor reveals another's.
 */
export function jobIdFor(scope: string, key: string): string {
  return `idem-${createHash("sha256").update(`${scope}\n${key}`).digest("hex").slice(0, 24)}`;
}

/** The cron diff without the full job plans (they are in /api/manifest). */
function planView(diff: RepeatableDiff) {
  return {
    add: diff.add.map(({ queue, name, cron, tz, id }) => ({ queue, name, cron, tz, id })),
    remove: diff.remove,
    keep: diff.keep,
    rearm: diff.rearm.map(({ queue, name, cron, tz, id }) => ({ queue, name, cron, tz, id })),
  };
}
