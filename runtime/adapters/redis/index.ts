export { RedisArrivalLine } from "./arrival-line";
export {
  assertRedisReachable,
  createRedis,
  DEFAULT_REDIS_URL,
  onRedisEnded,
  type Redis,
  type RedisConnectionOptions,
  type RedisEndedHandler,
  redisUrlFromEnv,
  type SentinelConfig,
  sentinelFromEnv,
} from "./connection";
export { DailyQuota, type DailyQuotaOptions, type QuotaUse } from "./daily-quota";
export { KeyedLease, type KeyedLeaseOptions, type Lease } from "./keyed-lease";
export {
  KeyedPacer,
  type KeyedPacerOptions,
  type PaceRule,
  type Reservation,
} from "./keyed-pacer";
export { LuaScript } from "./lua-script";
