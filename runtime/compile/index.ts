export { backoffDelay } from "./backoff";
export {
  BULL_SETTINGS_DEFAULTS,
  compile,
  connectionPace,
  declareNotHandled,
  isHandled,
} from "./compile";
export type * from "./plan";
export { BACKOFF_STRATEGY } from "./plan";
export { jobOfPlan, queueOfPlan } from "./plan-lookup";
export {
  SERVICE_JOBS,
  type ServiceJobRef,
  type ServiceJobRole,
  serviceJob,
  serviceJobsCheck,
} from "./service-jobs";
