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

/** A user error is never retried; others are while attempts remain (as Bull will do). */
export function logJobFailure(
  log: JobLogSink,
  job: LoggedJob,
  plan: LoggedPlan,
  err: unknown,
): void {
  const attempt = job.attemptsMade + 1;
  const kind = (err as { kind?: unknown } | null | undefined)?.kind;
  const retried = kind !== "user" && attempt < plan.options.attempts;
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
