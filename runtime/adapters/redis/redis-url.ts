// Where Redis is, without loading ioredis: the command line reads it before it knows whether the
// command needs Redis at all.

/** Used when neither an explicit URL nor REDIS_URL is given. */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** REDIS_URL from the environment, or DEFAULT_REDIS_URL. */
export function redisUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.REDIS_URL?.trim();
  return url ? url : DEFAULT_REDIS_URL;
}

/** A Redis found through Sentinel: the sentinels to ask and the name of the primary they watch. */
export interface SentinelConfig {
  readonly sentinels: readonly { readonly host: string; readonly port: number }[];
  readonly name: string;
}

/**
 * REDIS_SENTINELS (`host:port,host:port,…`) and REDIS_SENTINEL_NAME, or null when
 * REDIS_SENTINELS is unset. With them, clients ask the sentinels for the primary (and again after
 * a failover); REDIS_URL then only gives the password and database number.
 * Throws CF_CONFIG_INVALID-worthy messages as plain errors (the caller wraps them).
 */
export function sentinelFromEnv(env: NodeJS.ProcessEnv = process.env): SentinelConfig | null {
  const list = env.REDIS_SENTINELS?.trim();
  if (!list) return null;
  const name = env.REDIS_SENTINEL_NAME?.trim();
  if (!name)
    throw new Error("REDIS_SENTINELS is set but REDIS_SENTINEL_NAME (the primary's name) is not");
  const sentinels = list.split(",").map((item) => {
    const match = /^\s*([^\s:]+):(\d{1,5})\s*$/.exec(item);
    const port = Number(match?.[2]);
    if (match?.[1] === undefined || port < 1 || port > 65_535) {
      throw new Error(`REDIS_SENTINELS: "${item.trim()}" is not host:port`);
    }
    return { host: match[1], port };
  });
  return { sentinels, name };
}
