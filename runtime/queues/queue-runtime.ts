// The Bull side of a running plan: its queues, enqueueing with the plan's options and pacing,
// processors per queue, and the reconciliation of cron triggers.
import { BullJobQueue } from "../adapters/bull/bull-job-queue";
import {
  addJob,
  addJobs,
  type BullConnection,
  BullConnections,
  discardJob,
  openQueue,
  processAll,
  type QueueSpec,
  removeRepeatable,
  repeatableJobs,
  repeatableRunPending,
  skipBackoffOnce,
} from "../adapters/bull/bull-queue-adapter";
import { KeyedPacer, type PaceRule, type Redis } from "../adapters/redis";
import {
  BACKOFF_STRATEGY,
  type BackoffOptions,
  BULL_SETTINGS_DEFAULTS,
  backoffDelay,
  isHandled,
  type JobPlan,
  jobOfPlan,
  type Plan,
  type QueuePlan,
  queueOfPlan,
  type RateLimitPlan,
} from "../compile";
import { ChatiaError } from "../errors";
import type {
  EnqueueOptions,
  JobEnqueuer,
  JobQueue,
  QueuedJob,
  RunningJob,
} from "../services/ports/job-queue";
import { PayloadValidators } from "./payloads";
import {
  type DesiredRepeatable,
  desiredRepeatables,
  diffRepeatables,
  type ExistingRepeatable,
  type RepeatableDiff,
} from "./repeatables";

export type { EnqueueOptions, JobQueue, QueuedJob, RunningJob };

/**
 * Runs one job; rejecting fails it, and a ChatiaError of kind "user" is not retried: the processor
 * discards the job, unless the handler says it does so itself (`discardsUserErrors`, with
 * `discardIfUserError` before its promise rejects), which spares a promise reaction per job.
 */
export type JobHandler = ((job: RunningJob, plan: JobPlan) => Promise<unknown>) & {
  readonly discardsUserErrors?: boolean;
};

/** Marks a job whose run failed with a user error so that Bull does not retry it. */
export function discardIfUserError(job: RunningJob, err: unknown): void {
  if (err instanceof Error && (err as { kind?: unknown }).kind === "user") discardJob(job);
}

/**
 * Puts each job's owner company at the top level of its data (`companyId`) before it is added,
 * for the jobs whose owner it can resolve (runtime/tenancy); returns the data to add, in order.
 */
export type OwnerStamp = (
  queue: string,
  name: string,
  data: readonly unknown[],
) => Promise<unknown[]>;

/**
 * A job that failed because a deploy stopped its flow under it is not at fault: its retry runs at
 * once (through the new flow) rather than after the backoff its own failures earn.
 */
export function retryAtOnceIfRedeployed(job: RunningJob, err: unknown): void {
  if (err instanceof Error && (err as { code?: unknown }).code === "CF_FLOW_REDEPLOYED")
    skipBackoffOnce(job);
}

export class QueueRuntime implements JobEnqueuer {
  private readonly connections: BullConnections;
  private ownerStamp?: OwnerStamp;
  private readonly queues = new Map<string, BullJobQueue>();
  private readonly pacer: KeyedPacer;
  private readonly runPacer: KeyedPacer;
  private plan: Plan;
  private jobs: Map<string, JobPlan>;

  private constructor(
    plan: Plan,
    private validators: PayloadValidators,
    connection: BullConnection,
  ) {
    this.connections = new BullConnections(connection);
    const redis = this.redis;
    // Two budgets per key: one spaces jobs when they are enqueued (so they wait in Bull's delayed
    // set, not in a worker), one guards the actual starts (Bull may promote a delayed job late).
    this.pacer = new KeyedPacer(redis, { prefix: `${connection.prefix}:chatia:`, name: "enqueue" });
    this.runPacer = new KeyedPacer(redis, {
      prefix: `${connection.prefix}:chatia:`,
      name: "start",
    });
    this.plan = plan;
    this.jobs = indexJobs(plan);
  }

  static async open(plan: Plan, connection: BullConnection): Promise<QueueRuntime> {
    return new QueueRuntime(plan, await PayloadValidators.forPlan(plan), connection);
  }

  /** The shared Redis client (also used for chatia's own keys under the Bull prefix). */
  get redis(): Redis {
    return this.connections.createClient("client");
  }

  get prefix(): string {
    return this.connections.connection.prefix;
  }

  get currentPlan(): Plan {
    return this.plan;
  }

  jobPlan(queue: string, name: string): JobPlan | undefined {
    return this.jobs.get(`${queue}/${name}`);
  }

  /** A queue of the plan, to inspect and operate; CF_JOB_UNKNOWN when the plan has none so named. */
  queue(name: string): BullJobQueue {
    queueOfPlan(this.plan, name);
    return this.opened(name);
  }

  /** The Bull queue of a queue of the plan (this process adds and processes its jobs). */
  private bullQueue(name: string) {
    return this.queue(name).bull;
  }

  /** A queue of the plan with its settings, or (to clean up after it) one the plan no longer has. */
  private openedQueue(name: string) {
    return this.opened(name).bull;
  }

  private opened(name: string): BullJobQueue {
    let queue = this.queues.get(name);
    if (!queue) {
      const plan = this.plan.queues.find((q) => q.name === name) ?? {
        name,
        concurrency: 1,
        settings: BULL_SETTINGS_DEFAULTS,
        jobs: [],
      };
      queue = new BullJobQueue(openQueue(queueSpec(plan), this.connections));
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Every job added from now on gets its owner at the top level of its data (runtime/tenancy). */
  useOwnerStamp(stamp: OwnerStamp): void {
    this.ownerStamp = stamp;
  }

  /**
   * The data with their owner stamped (useOwnerStamp), each kept as given when its payload schema
   * does not allow a top-level `companyId` (a manifest with older schemas): the owner is then
   * resolved from what the job references, as for any producer's job.
   */
  private async stamped(key: string, queue: string, name: string, given: unknown[]) {
    if (!this.ownerStamp) return given;
    const stamped = await this.ownerStamp(queue, name, given);
    return stamped.map((data, i) =>
      data === given[i] || this.validators.problems(key, data).length === 0 ? data : given[i],
    );
  }

  /** Throws CF_JOB_UNKNOWN or CF_JOB_BAD_PAYLOAD unless the job is enabled and `data` valid. */
  checkPayload(queueName: string, name: string, data: unknown): void {
    this.validators.assertValid(this.enabledJob(queueName, name).key, data);
  }

  /** Adds a job with its manifest options after checking it is enabled and its data is valid. */
  async enqueue(
    queueName: string,
    name: string,
    given: unknown,
    options: EnqueueOptions = {},
  ): Promise<QueuedJob> {
    const job = this.enabledJob(queueName, name);
    this.validators.assertValid(job.key, given);
    const [data] = await this.stamped(job.key, queueName, name, [given]);
    const queuePlan = this.queuePlan(queueName);
    let delay = options.delayMs ?? job.options.delay;
    const paced = queuePlan.rateLimit && paceKey(queuePlan.rateLimit, data);
    if (queuePlan.rateLimit && paced !== undefined) {
      const slot = await this.pacer.reservation(
        `${queueName}:${paced}`,
        paceRule(queuePlan.rateLimit),
      );
      delay = Math.max(delay, slot.waitMs);
    }
    return addJob(this.bullQueue(queueName), name, data, {
      ...job.options,
      delay,
      ...(options.priority !== undefined && { priority: options.priority }),
      ...(options.jobId !== undefined && { jobId: options.jobId }),
    });
  }

  /**
   * Adds many jobs of one kind, each checked as `enqueue` does, in one round trip to Redis. On a
   * paced queue each job takes its slot one by one instead (the pace needs each reservation).
   */
  async enqueueBulk(
    queueName: string,
    name: string,
    jobs: readonly { readonly data: unknown; readonly options?: EnqueueOptions }[],
  ): Promise<QueuedJob[]> {
    const job = this.enabledJob(queueName, name);
    if (this.queuePlan(queueName).rateLimit) {
      const added: QueuedJob[] = [];
      for (const j of jobs) added.push(await this.enqueue(queueName, name, j.data, j.options));
      return added;
    }
    for (const j of jobs) this.validators.assertValid(job.key, j.data);
    const stamped = await this.stamped(
      job.key,
      queueName,
      name,
      jobs.map((j) => j.data),
    );
    return addJobs(
      this.bullQueue(queueName),
      jobs.map(({ options = {} }, i) => ({
        name,
        data: stamped[i],
        options: {
          ...job.options,
          delay: options.delayMs ?? job.options.delay,
          ...(options.priority !== undefined && { priority: options.priority }),
          ...(options.jobId !== undefined && { jobId: options.jobId }),
        },
      })),
    );
  }

  /**
   * Registers one processor per queue that has handled jobs (enabled, their flow exists), with the
   * queue's concurrency. Each job is checked (known, handled, valid data), paced, then handed to
   * `handler`.
   */
  startProcessing(handler: JobHandler, queueNames?: readonly string[]): void {
    for (const queuePlan of this.plan.queues) {
      if (queueNames && !queueNames.includes(queuePlan.name)) continue;
      if (!queuePlan.jobs.some(isHandled)) continue;
      processAll(
        this.bullQueue(queuePlan.name),
        queuePlan.concurrency,
        this.processor(queuePlan, handler),
      );
    }
  }

  /**
   * The processor of one queue. What depends on the queue's settings is fixed here, once (a reload
   * that changes them re-opens the queue); the job's own plan is looked up per job, so that a
   * reload's new job options apply at once.
   */
  private processor(
    queuePlan: QueuePlan,
    handler: JobHandler,
  ): (job: RunningJob) => Promise<unknown> {
    const { name: queueName, rateLimit } = queuePlan;
    // A per-connection WhatsApp pace is kept at the moment of sending (MessageService), not here.
    const rule = rateLimit && rateLimit.paces === "starts" ? paceRule(rateLimit) : undefined;
    // Written with promise chains rather than async/await: this runs for every job, and each
    // await would add a turn of the microtask queue (bench/dispatch.ts).
    const discardUserErrors = (job: RunningJob) => (err: unknown) => {
      discardIfUserError(job, err);
      throw err;
    };
    return (job) => {
      let plan: JobPlan;
      try {
        plan = this.enabledJob(queueName, job.name);
        this.validators.assertValid(plan.key, job.data);
      } catch (err) {
        discardIfUserError(job, err);
        return Promise.reject(err);
      }
      const paced = rule && paceKey(queuePlan.rateLimit as RateLimitPlan, job.data);
      const started =
        rule && paced !== undefined
          ? this.runPacer.acquire(`${queueName}:${paced}`, rule).then(() => handler(job, plan))
          : handler(job, plan);
      return handler.discardsUserErrors ? started : started.catch(discardUserErrors(job));
    };
  }

  /** Compares the cron triggers in Redis with the plan's. */
  async diffRepeatables(): Promise<RepeatableDiff> {
    const existing: ExistingRepeatable[] = [];
    for (const name of await this.managedQueueNames()) {
      const queue = this.openedQueue(name);
      for (const r of await repeatableJobs(queue)) {
        existing.push({
          queue: name,
          key: r.key,
          name: r.name,
          id: r.id ?? null,
          cron: r.cron,
          tz: r.tz ?? null,
          next: r.next,
          armed: await repeatableRunPending(queue, r),
        });
      }
    }
    return diffRepeatables(desiredRepeatables(this.plan), existing);
  }

  /** Makes the cron triggers in Redis exactly the plan's; returns what it changed. */
  async applyRepeatables(
    onProgress?: (done: number, total: number, label: string) => void,
  ): Promise<RepeatableDiff> {
    await this.redis.sadd(this.managedQueuesKey, ...this.plan.queues.map((q) => q.name));
    const diff = await this.diffRepeatables();
    const total = diff.remove.length + diff.add.length + diff.rearm.length;
    let done = 0;
    for (const stale of diff.remove) {
      await removeRepeatable(this.openedQueue(stale.queue), stale.key);
      onProgress?.(++done, total, `removed ${stale.queue}/${stale.name}`);
    }
    // A trigger without its next run is removed and added again: Bull computes a fresh next run.
    for (const lost of diff.rearm) {
      await removeRepeatable(this.openedQueue(lost.queue), lost.key);
      await this.addTrigger(lost);
      onProgress?.(++done, total, `re-armed ${lost.queue}/${lost.name}`);
    }
    for (const wanted of diff.add) {
      await this.addTrigger(wanted);
      onProgress?.(++done, total, `added ${wanted.queue}/${wanted.name}`);
    }
    await this.forgetQueuesNotInPlan();
    return diff;
  }

  private async addTrigger(wanted: DesiredRepeatable): Promise<void> {
    const { job } = wanted;
    await addJob(this.bullQueue(wanted.queue), wanted.name, job.data ?? {}, {
      ...job.options,
      jobId: wanted.id,
      repeat: { cron: wanted.cron, tz: wanted.tz },
    });
  }

  /** Stops taking new jobs in this process; active ones go on. */
  async pauseLocal(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.bull.pause(true, true)));
  }

  /** Swaps in a new plan (hot reload): queues whose settings changed are re-opened. */
  async replacePlan(plan: Plan): Promise<void> {
    this.validators = await PayloadValidators.forPlan(plan);
    this.plan = plan;
    this.jobs = indexJobs(plan);
  }

  /** Closes every queue (by default waiting for its active jobs) and the shared connections. */
  async close(options: { waitForJobs?: boolean } = {}): Promise<void> {
    const doNotWait = options.waitForJobs === false;
    await Promise.all([...this.queues.values()].map((q) => q.bull.close(doNotWait)));
    this.queues.clear();
    await this.connections.close();
  }

  /** Closes one queue (waiting for its active jobs) so that it is re-opened with a new plan. */
  async closeQueue(name: string): Promise<void> {
    const queue = this.queues.get(name);
    this.queues.delete(name);
    await queue?.bull.close();
  }

  private get managedQueuesKey(): string {
    return `${this.prefix}:chatia:queues`;
  }

  /** Queues of this plan plus those an earlier plan managed (their triggers may be stale). */
  private async managedQueueNames(): Promise<string[]> {
    const known = await this.redis.smembers(this.managedQueuesKey);
    return [...new Set([...this.plan.queues.map((q) => q.name), ...known])];
  }

  private async forgetQueuesNotInPlan(): Promise<void> {
    const inPlan = new Set(this.plan.queues.map((q) => q.name));
    const known = await this.redis.smembers(this.managedQueuesKey);
    const gone = known.filter((name) => !inPlan.has(name));
    for (const name of gone) await this.closeQueue(name);
    if (gone.length > 0) await this.redis.srem(this.managedQueuesKey, ...gone);
  }

  private enabledJob(queue: string, name: string): JobPlan {
    // The index first (every enqueue passes here); jobOfPlan to explain a name that is not there.
    const job = this.jobPlan(queue, name) ?? jobOfPlan(this.plan, queue, name);
    if (!job.enabled)
      throw new ChatiaError("CF_JOB_UNKNOWN", `job ${queue}/${name} is declared enabled: false`);
    if (job.flowProblems)
      throw new ChatiaError(
        "CF_JOB_NOT_HANDLED",
        `job ${queue}/${name} is not handled until these flow problems are mended: ${job.flowProblems.join("; ")}; mend the flow in the editor and deploy`,
      );
    if (job.notHandled)
      throw new ChatiaError(
        "CF_JOB_NOT_HANDLED",
        `job ${queue}/${name} is declared, not handled: its flow "${job.flow}" does not exist yet (build it in the editor and deploy)`,
      );
    return job;
  }

  private queuePlan(name: string): QueuePlan {
    return queueOfPlan(this.plan, name);
  }
}

/** How Bull opens a queue of the plan: its limiter, its settings and the manifest's backoffs. */
function queueSpec(plan: QueuePlan): QueueSpec {
  return {
    name: plan.name,
    ...(plan.bullLimiter && { limiter: plan.bullLimiter }),
    settings: { ...plan.settings, backoffStrategies: { [BACKOFF_STRATEGY]: chatiaBackoff } },
  };
}

/** Bull's custom backoff strategy for the manifest's capped / jittered backoffs. */
function chatiaBackoff(attemptsMade: number, _err: Error, options?: BackoffOptions): number {
  if (!options) throw new Error("the chatia backoff strategy needs its options");
  return backoffDelay(attemptsMade, options);
}

function indexJobs(plan: Plan): Map<string, JobPlan> {
  return new Map(plan.queues.flatMap((q) => q.jobs.map((j) => [j.key, j] as const)));
}

export function paceRule(limit: RateLimitPlan): PaceRule {
  return { max: limit.max, durationMs: limit.durationMs, jitterMs: limit.jitterMs };
}

/** The value of the limiter's `per` path in the job's data ("*" for a queue-wide budget). */
function paceKey(limit: RateLimitPlan, data: unknown): string | undefined {
  if (limit.per === undefined) return limit.jitterMs > 0 ? "*" : undefined;
  let value: unknown = data;
  for (const part of limit.per.split(".")) {
    value =
      typeof value === "object" && value !== null
        ? (value as Record<string, unknown>)[part]
        : undefined;
  }
  return value === undefined || value === null ? "-" : String(value);
}
