// The one place an ioredis client is built. Only files under runtime/adapters/redis import
// ioredis; everything else takes the `Redis` type from here.
import { Redis, type RedisOptions } from "ioredis";
import { ChatiaError } from "../../errors";
import { timeoutsFromEnv } from "../../timeouts";
import { redisUrlFromEnv, type SentinelConfig, sentinelFromEnv } from "./redis-url";
import { followSwitches } from "./sentinel-switch";

export type { Redis } from "ioredis";
export {
  DEFAULT_REDIS_URL,
  redisUrlFromEnv,
  type SentinelConfig,
  sentinelFromEnv,
} from "./redis-url";

export interface RedisConnectionOptions {
  /** Shown by `CLIENT LIST` so operators can tell our connections apart. @defaultValue "chatia-flow" */
  readonly connectionName?: string;
  /**
   * Whether to wait for `INFO` to report the server loaded before sending commands. Pass `false`
   * for every client that subscribes (and Bull's `bclient`, which Bull refuses otherwise): ioredis
   * writes a (P)SUBSCRIBE at once, even while its `INFO` is still unanswered, and Redis then refuses
   * that `INFO` on a connection in subscriber mode; the failed ready check drops the connection and
   * reconnects, and messages published meanwhile are lost. @defaultValue true
   */
  readonly enableReadyCheck?: boolean;
  /**
   * Fails a command Redis has not answered within this many ms ("Command timed out"), including
   * one queued while Redis is away. Never for a client that runs blocking commands (Bull's
   * `bclient`, BLPOP), whose commands wait on purpose. @defaultValue none
   */
  readonly commandTimeoutMs?: number;
  /** Gives up a connection attempt (TCP) after this many ms, then retries. @defaultValue $CHATIA_REDIS_CONNECT_TIMEOUT_MS or 5000 */
  readonly connectTimeoutMs?: number;
  /**
   * Find the primary through these sentinels (the URL then gives only password and database).
   * @defaultValue $REDIS_SENTINELS / $REDIS_SENTINEL_NAME, else none (the URL's host)
   */
  readonly sentinel?: SentinelConfig | null;
}

/** Builds a client for `url` and starts connecting at once; the caller closes it (`quit()`). */
export function createRedis(
  url: string = redisUrlFromEnv(),
  opts: RedisConnectionOptions = {},
): Redis {
  const connectTimeoutMs = opts.connectTimeoutMs ?? timeoutsFromEnv().redisConnectMs;
  const sentinel = opts.sentinel === undefined ? sentinelConfig() : opts.sentinel;
  const options: RedisOptions = {
    connectionName: opts.connectionName ?? "chatia-flow",
    enableReadyCheck: opts.enableReadyCheck ?? true,
    // Connect now, so a wrong URL shows up at start-up rather than at the first job.
    lazyConnect: false,
    // Commands issued while Redis is away wait for the reconnect instead of failing after 20
    // retries: a Redis restart then delays jobs rather than failing them, and the job's own
    // timeout bounds the wait. Bull also requires `null` for its bclient/subscriber clients,
    // so one factory serves every role.
    maxRetriesPerRequest: null,
    connectTimeout: connectTimeoutMs,
    ...(opts.commandTimeoutMs !== undefined && { commandTimeout: opts.commandTimeoutMs }),
    ...sentinelOptions(sentinel, connectTimeoutMs),
  };
  const client = new Redis(url, options);
  if (sentinel !== null) followSwitches(client, sentinel, connectTimeoutMs);
  // While Redis is away, ioredis emits an error at every reconnect attempt and prints each one
  // with its stack unless someone listens. Its commands wait for the reconnect (see above), as long
  // as `commandTimeoutMs` allows; the outage shows in /readyz, at start-up (assertRedisReachable)
  // and in the jobs' timeouts.
  client.on("error", () => undefined);
  reportEnd(client, options.connectionName ?? "chatia-flow");
  return client;
}

/** Told the connection name of a client that ended for good (see onRedisEnded). */
export type RedisEndedHandler = (connectionName: string) => void;
const endedHandlers = new Set<RedisEndedHandler>();

/**
 * Calls `handler` when a client built by createRedis ends for good — ioredis emits `end` and will
 * not reconnect, so every command on it fails from then on — without its owner (or Bull) having
 * closed it with `quit()` or `disconnect()`. Returns the function that removes the handler.
 */
export function onRedisEnded(handler: RedisEndedHandler): () => void {
  endedHandlers.add(handler);
  return () => endedHandlers.delete(handler);
}

/**
 * A client closed on purpose ends too: `quit()` and `disconnect()` mark it, and a new connection
 * attempt (Bull's `connect()` after closing its blocking client) clears the mark. The check runs a
 * turn after `end`, so a client connected again at once is not reported.
 */
function reportEnd(client: Redis, name: string): void {
  let closedOnPurpose = false;
  const { quit, disconnect } = client;
  client.disconnect = (reconnect = false) => {
    if (!reconnect) closedOnPurpose = true;
    disconnect.call(client, reconnect);
  };
  client.quit = ((...args: Parameters<Redis["quit"]>) => {
    closedOnPurpose = true;
    return quit.apply(client, args);
  }) as Redis["quit"];
  client.on("connecting", () => {
    closedOnPurpose = false;
  });
  client.on("end", () => {
    if (closedOnPurpose) return;
    setImmediate(() => {
      if (closedOnPurpose || client.status !== "end") return;
      for (const handler of endedHandlers) handler(name);
    });
  });
}

/** The environment's sentinels, or CF_CONFIG_INVALID saying what is wrong with them. */
function sentinelConfig(): SentinelConfig | null {
  try {
    return sentinelFromEnv();
  } catch (err) {
    throw new ChatiaError("CF_CONFIG_INVALID", (err as Error).message);
  }
}

/**
 * Through Sentinel: ask the sentinels for the primary whenever a connection is (re)made, and treat
 * a READONLY answer (a demoted primary still reachable) as the sign to reconnect and resend. A
 * failover closes every connection to a primary that died, or that the sentinels reconfigure
 * (they drop its clients); one frozen or cut off closes nothing, so the client also follows the
 * sentinels' `+switch-master` announcement (sentinel-switch.ts). Each client then asks again and
 * lands on the new primary without a restart; until the sentinels name it, reconnects retry
 * (ioredis's retryStrategy, at most 2 s apart) and commands wait in the offline queue, as long as
 * their command timeout allows.
 *
 * - `sentinelCommandTimeout`: a sentinel that accepts the connection but never answers (a hung
 *   machine) is given up after the connect timeout and the next one asked; without it ioredis
 *   waits for that sentinel forever and the client never reconnects.
 * - `failoverDetector` stays off (ioredis's default): its +switch-master subscription disconnects
 *   the connector even while the client is asking a sentinel for the primary, which ends that
 *   client for good ("Connection is closed.", status "end": no command on it ever runs again). A
 *   failover hits exactly then whenever a reconnect is under way, so clients died at random.
 */
function sentinelOptions(
  config: SentinelConfig | null,
  connectTimeoutMs: number,
): Partial<RedisOptions> {
  if (config === null) return {};
  return {
    sentinels: config.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: config.name,
    sentinelCommandTimeout: connectTimeoutMs,
    failoverDetector: false,
    reconnectOnError: (err) => (err.message.startsWith("READONLY") ? 2 : false),
  };
}

/** Resolves when Redis answers PING within `timeoutMs`; otherwise throws CF_REDIS_CONNECT. */
export async function assertRedisReachable(client: Redis, timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([client.ping(), timeout]);
  } catch (err) {
    const { host, port } = client.options;
    throw new ChatiaError(
      "CF_REDIS_CONNECT",
      `cannot reach Redis at ${host}:${port}: ${(err as Error).message}`,
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
  }
}
