// Compiled payload validators of a plan's jobs, so that enqueueing and dispatch check job data
// without reading or compiling schemas on the hot path.
import type { ValidateFunction } from "ajv";
import type { Plan } from "../compile";
import { ChatiaError } from "../errors";
import { describePayloadErrors, loadPayloadSchema } from "../manifest";

export class PayloadValidators {
  private constructor(private readonly byJob: ReadonlyMap<string, ValidateFunction>) {}

  /** Compiles every payload schema of the plan (they were checked when the manifest loaded). */
  static async forPlan(plan: Plan): Promise<PayloadValidators> {
    const byJob = new Map<string, ValidateFunction>();
    const byFile = new Map<string, ValidateFunction>();
    for (const job of plan.queues.flatMap((q) => q.jobs)) {
      if (!job.payloadSchema) continue;
      let validate = byFile.get(job.payloadSchema);
      if (!validate) {
        const result = await loadPayloadSchema(job.payloadSchema);
        if (!result.ok)
          throw new ChatiaError(
            "CF_MANIFEST_PAYLOAD_INVALID",
            `payload schema ${job.payloadSchema} ${result.message}`,
          );
        validate = result.validate;
        byFile.set(job.payloadSchema, validate);
      }
      byJob.set(job.key, validate);
    }
    return new PayloadValidators(byJob);
  }

  /** The problems of `data` for job `key` ("Queue/Job"); empty when valid or without a schema. */
  problems(key: string, data: unknown): string[] {
    const validate = this.byJob.get(key);
    if (!validate || validate(data)) return [];
    return describePayloadErrors(validate.errors);
  }

  /** Throws a user error (never retried) listing every problem of `data`. */
  assertValid(key: string, data: unknown): void {
    const problems = this.problems(key, data);
    if (problems.length > 0) {
      throw new ChatiaError("CF_JOB_BAD_PAYLOAD", `${key}: ${problems.join("; ")}`, {
        details: problems,
      });
    }
  }
}
