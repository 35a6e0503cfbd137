// compile: Manifest → Plan. Pure: no I/O, no clock, same input → same output.
import path from "node:path";
import {
  DEFAULT_TZ,
  type EffectiveJobOptions,
  effectiveJobOptions,
  type JobSpec,
  type Limiter,
  type Manifest,
  type QueueSpec,
} from "../manifest";
import {
  BACKOFF_STRATEGY,
  type BullBackoff,
  type JobPlan,
  type Plan,
  type QueuePlan,
  type RateLimitPlan,
} from "./plan";

/** Bull's stalled-job defaults, which the manifest's `settings` override. */
export const BULL_SETTINGS_DEFAULTS = {
  lockDuration: 30_000,
  stalledInterval: 30_000,
  maxStalledCount: 1,
} as const;

export function compile(manifest: Manifest): Plan {
  const queues = Object.entries(manifest.queues).map(([name, queue]) =>
    compileQueue(manifest, name, queue),
  );
  return { source: manifest.source.file, queues };
}

/**
 * The plan with the jobs of `keys` ("Queue/Job") marked declared, not handled: their flows do not
 * exist yet, or (the keys of `flowProblems`) exist with problems the editor can mend, each given.
 * Pure, like compile; the runtime learns the keys from the flow folder.
 */
export function declareNotHandled(
  plan: Plan,
  keys: ReadonlySet<string>,
  flowProblems: ReadonlyMap<string, readonly string[]> = new Map(),
): Plan {
  if (keys.size === 0 && flowProblems.size === 0) return plan;
  return {
    ...plan,
    queues: plan.queues.map((queue) => ({
      ...queue,
      jobs: queue.jobs.map((job) => {
        if (!job.enabled) return job;
        const problems = flowProblems.get(job.key);
        if (problems !== undefined)
          return { ...job, notHandled: true as const, flowProblems: problems };
        return keys.has(job.key) ? { ...job, notHandled: true as const } : job;
      }),
    })),
  };
}

/** Whether a worker runs the job: enabled, and its flow exists. */
export function isHandled(job: JobPlan): boolean {
  return job.enabled && job.notHandled !== true;
}

function compileQueue(manifest: Manifest, name: string, queue: QueueSpec): QueuePlan {
  const rateLimit = queue.limiter && compileRateLimit(queue.limiter);
  const useBullLimiter =
    rateLimit !== undefined && rateLimit.per === undefined && rateLimit.jitterMs === 0;
  return {
    name,
    ...(queue.description !== undefined && { description: queue.description }),
    concurrency: queue.concurrency ?? 1,
    ...(rateLimit && { rateLimit }),
    ...(useBullLimiter && { bullLimiter: { max: rateLimit.max, duration: rateLimit.durationMs } }),
    settings: { ...BULL_SETTINGS_DEFAULTS, ...queue.settings },
    jobs: Object.entries(queue.jobs).map(([jobName, job]) =>
      compileJob(manifest, name, queue, jobName, job),
    ),
  };
}

function compileRateLimit(limiter: Limiter): RateLimitPlan {
  return {
    max: limiter.max,
    durationMs: limiter.duration,
    ...(limiter.per !== undefined && { per: limiter.per }),
    jitterMs: limiter.jitter ?? 0,
    paces: limiter.per?.split(".").at(-1) === "whatsappId" ? "sends" : "starts",
    ...(limiter.dailyCap !== undefined && {
      dailyCap: { max: limiter.dailyCap, tz: limiter.dailyCapTz ?? "UTC" },
    }),
  };
}

/** The pace of each WhatsApp connection's sends: the rate limit of a queue paced per whatsappId. */
export function connectionPace(plan: Plan): RateLimitPlan | undefined {
  return plan.queues.find((q) => q.rateLimit?.paces === "sends")?.rateLimit;
}

function compileJob(
  manifest: Manifest,
  queueName: string,
  queue: QueueSpec,
  name: string,
  job: JobSpec,
): JobPlan {
  const options = effectiveJobOptions(manifest, queue, job);
  return {
    queue: queueName,
    name,
    key: `${queueName}/${name}`,
    ...(job.description !== undefined && { description: job.description }),
    flow: job.flow,
    enabled: job.enabled ?? true,
    ...(job.payload !== undefined && {
      payloadSchema: path.resolve(manifest.source.dir, job.payload),
    }),
    timeoutMs: options.timeout,
    options: {
      attempts: options.attempts,
      ...(options.backoff && { backoff: compileBackoff(options.backoff) }),
      ...(options.priority !== undefined && { priority: options.priority }),
      delay: options.delay,
      removeOnComplete: options.removeOnComplete,
      removeOnFail: options.removeOnFail,
    },
    ...(job.cron !== undefined && { repeat: { cron: job.cron.trim(), tz: job.tz ?? DEFAULT_TZ } }),
    ...(job.data !== undefined && { data: job.data }),
  };
}

function compileBackoff(backoff: NonNullable<EffectiveJobOptions["backoff"]>): BullBackoff {
  if (backoff.maxDelay === undefined && !backoff.jitter)
    return { type: backoff.type, delay: backoff.delay };
  return {
    type: BACKOFF_STRATEGY,
    options: {
      type: backoff.type,
      delayMs: backoff.delay,
      ...(backoff.maxDelay !== undefined && { maxDelayMs: backoff.maxDelay }),
      jitter: backoff.jitter ?? 0,
    },
  };
}
