// Where Redis is, without loading ioredis: the command line reads it before it knows whether the
// command needs Redis at all.

/** Used when neither an explicit URL nor REDIS_URL is given. */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** REDIS_URL from the environment, or DEFAULT_REDIS_URL. */
export function redisUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.REDIS_URL?.trim();
  return url ? url : DEFAULT_REDIS_URL;
}
