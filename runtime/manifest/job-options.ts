// How a job's effective options come from the three layers that can set them.
import type { JobOptions, JobSpec, ManifestDocument, QueueSpec } from "./types";

/** Built-in defaults, the bottom layer; schemas/jobs.schema.json documents the same values. */
export const BASE_JOB_OPTIONS: Readonly<Required<Pick<JobOptions, DefaultedKey>>> = {
  attempts: 1,
  delay: 0,
  timeout: 300_000,
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 86_400, count: 5000 },
};

/** The time zone of a cron trigger that names none. */
export const DEFAULT_TZ = "UTC";

type DefaultedKey = "attempts" | "delay" | "timeout" | "removeOnComplete" | "removeOnFail";

/** A job's options with every layer applied: the defaulted keys are always present. */
export type EffectiveJobOptions = JobOptions & Required<Pick<JobOptions, DefaultedKey>>;

const OPTION_KEYS = [
  "attempts",
  "backoff",
  "priority",
  "delay",
  "timeout",
  "removeOnComplete",
  "removeOnFail",
] as const satisfies readonly (keyof JobOptions)[];

/** Job over queue `defaults` over top-level `defaults` over the built-ins; each key whole. */
export function effectiveJobOptions(
  manifest: Pick<ManifestDocument, "defaults">,
  queue: Pick<QueueSpec, "defaults">,
  job: JobSpec,
): EffectiveJobOptions {
  const result: Record<string, unknown> = { ...BASE_JOB_OPTIONS };
  for (const layer of [manifest.defaults, queue.defaults, job]) {
    for (const key of OPTION_KEYS) {
      const value = layer?.[key];
      if (value !== undefined) result[key] = value;
    }
  }
  return result as unknown as EffectiveJobOptions;
}
