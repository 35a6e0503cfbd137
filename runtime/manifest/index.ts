export { cronFieldCount, describeCron, nextRuns } from "./cron";
export {
  BASE_JOB_OPTIONS,
  DEFAULT_TZ,
  type EffectiveJobOptions,
  effectiveJobOptions,
} from "./job-options";
export { type LoadOptions, loadManifest, parseManifest } from "./load-manifest";
export {
  describePayloadErrors,
  loadPayloadSchema,
  type PayloadSchemaResult,
} from "./payload-schemas";
export { displayPath, formatProblem, ManifestError, type Position, type Problem } from "./problems";
export type { ManifestCheck, Reporter } from "./semantic-checks";
export type * from "./types";
