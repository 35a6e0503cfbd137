// Following a failover whose old primary does not close its connections (frozen, or cut off
// without a reset): the sentinels announce the new primary on `+switch-master`, and every client of
// that group still connected elsewhere is made to reconnect, which asks the sentinels again.
//
// ioredis's own `failoverDetector` does this too, but it also disconnects a client that is in the
// middle of asking a sentinel for the primary, which ends that client for good ("Connection is
// closed."). Here only a client that is connected (status "connect" or "ready") is touched: one
// that is connecting or waiting to reconnect will ask the sentinels anyway.
import { isIP } from "node:net";
import { Redis } from "ioredis";
import type { SentinelConfig } from "./redis-url";

/** After a switch, clients are checked again this many ms later (one may have asked a sentinel that had not switched yet). */
const RECHECKS_MS = [1_000, 3_000, 10_000];

/** One watcher per sentinel group and process, shared by its clients; closed with the last one. */
const watchers = new Map<string, SwitchWatcher>();

/** Makes `client` follow the switches `config`'s sentinels announce, until the client ends. */
export function followSwitches(
  client: Redis,
  config: SentinelConfig,
  connectTimeoutMs: number,
): void {
  const id = `${config.name}@${config.sentinels.map((s) => `${s.host}:${s.port}`).join(",")}`;
  let watcher = watchers.get(id);
  if (watcher === undefined) {
    watcher = new SwitchWatcher(config, connectTimeoutMs, () => watchers.delete(id));
    watchers.set(id, watcher);
  }
  watcher.add(client);
}

class SwitchWatcher {
  private readonly clients = new Set<Redis>();
  private readonly subscribers: Redis[];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly config: SentinelConfig,
    connectTimeoutMs: number,
    private readonly onClose: () => void,
  ) {
    this.subscribers = config.sentinels.map((s) => {
      const sentinel = new Redis({
        host: s.host,
        port: s.port,
        connectionName: "chatia-flow:sentinel-watch",
        enableReadyCheck: false,
        connectTimeout: connectTimeoutMs,
        maxRetriesPerRequest: null,
        // A sentinel away is asked again every few seconds; the others keep watching meanwhile.
        retryStrategy: (times) => Math.min(times * 500, 5_000),
      });
      sentinel.on("error", () => undefined);
      sentinel.on("message", (_channel: string, message: string) => this.switched(message));
      sentinel.subscribe("+switch-master").catch(() => undefined);
      return sentinel;
    });
  }

  add(client: Redis): void {
    this.clients.add(client);
    client.once("end", () => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.close();
    });
  }

  /** `+switch-master` says "<name> <old ip> <old port> <new ip> <new port>". */
  private switched(message: string): void {
    const [name, , , host, port] = message.split(" ");
    if (name !== this.config.name || host === undefined || port === undefined) return;
    const primary = { host, port: Number(port) };
    this.reconnectStrays(primary);
    for (const ms of RECHECKS_MS) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.reconnectStrays(primary);
      }, ms);
      timer.unref();
      this.timers.add(timer);
    }
  }

  /** Connected clients whose connection is not to `primary` reconnect (and ask the sentinels). */
  private reconnectStrays(primary: { host: string; port: number }): void {
    for (const client of this.clients) {
      if (client.status !== "connect" && client.status !== "ready") continue;
      const { remoteAddress, remotePort } = client.stream ?? {};
      if (remotePort === undefined) continue;
      if (remotePort === primary.port && sameHost(remoteAddress, primary.host)) continue;
      client.disconnect(true);
    }
  }

  private close(): void {
    this.onClose();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const sentinel of this.subscribers) sentinel.disconnect();
  }
}

/**
 * Whether the socket's peer is `host`. IPv4 may come back IPv4-mapped ("::ffff:10.0.0.1"); a
 * sentinel announcing a host name (resolve-hostnames) is taken at its word (the port decides).
 */
function sameHost(remote: string | undefined, host: string): boolean {
  if (isIP(host) === 0) return true;
  return remote === host || remote === `::ffff:${host}`;
}
