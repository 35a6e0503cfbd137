// The log line of a job run that failed: which job (id, queue, name), whose (companyId), which
// attempt, and whether it will be retried. The error's message and stack pass the logger's
// redaction like every other line.

export interface JobLogSink {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

interface LoggedJob {
  readonly id?: unknown;
  readonly attemptsMade: number;
  readonly data?: unknown;
}

interface LoggedPlan {
  readonly queue: string;
  readonly name: string;
  readonly options: { readonly attempts: number };
}

/** Fields that name a job in every log line about it. */
export function jobLogFields(job: LoggedJob, plan: LoggedPlan): Record<string, unknown> {
  const companyId = (job.data as { companyId?: unknown } | null | undefined)?.companyId;
  return {
    jobId: job.id === undefined ? undefined : String(job.id),
    queue: plan.queue,
    job: plan.name,
    ...(typeof companyId === "number" && { companyId }),
  };
}

/**
 * Whether Bull runs a job again after this failure: a user error is never retried, whatever
 * attempts are left; any other error is while attempts remain.
 */
export function willRetry(
  attemptsMade: number,
  plan: { readonly options: { readonly attempts: number } },
  err: unknown,
): boolean {
  const kind = (err as { kind?: unknown } | null | undefined)?.kind;
  return kind !== "user" && attemptsMade + 1 < plan.options.attempts;
}

/** Logs a failed attempt: a warning when it will be retried, an error when the job failed. */
export function logJobFailure(
  log: JobLogSink,
  job: LoggedJob,
  plan: LoggedPlan,
  err: unknown,
): void {
  const attempt = job.attemptsMade + 1;
  const retried = willRetry(job.attemptsMade, plan, err);
  const fields = {
    ...jobLogFields(job, plan),
    attempt,
    attempts: plan.options.attempts,
    code: (err as { code?: unknown } | null | undefined)?.code,
    err,
  };
  if (retried) log.warn(fields, "job attempt failed; it will be retried");
  else log.error(fields, "job failed");
}
