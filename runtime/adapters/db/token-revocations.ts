// Revoked API tokens announced at once: revoking one (`chatia-flow token revoke`, from any
// process) sends a Postgres NOTIFY on REVOKED_CHANNEL in the same statement, and every api
// process LISTENs on one connection of its own, so the sockets of the token are closed within
// moments rather than at their next periodic check. The periodic check stays, for a notice lost
// while this connection was down.
import { Client } from "pg";

/** The NOTIFY channel; its payload is the revoked token's prefix. */
export const REVOKED_CHANNEL = "chatia_api_token_revoked";

export interface RevocationListener {
  close(): Promise<void>;
}

export interface RevocationOptions {
  /** Opening the connection. @defaultValue 5000 */
  readonly connectTimeoutMs?: number;
  /** Wait before connecting again after the connection failed or ended. @defaultValue 2000 */
  readonly retryMs?: number;
  /** Told of a failed connection (then retried). */
  readonly onError?: (err: Error) => void;
}

/** Calls `onRevoked` for every API token revoked from now on, while not closed. */
export function listenForRevokedTokens(
  url: string,
  onRevoked: (prefix: string) => void,
  options: RevocationOptions = {},
): RevocationListener {
  let closed = false;
  let client: Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const again = (err: Error) => {
    options.onError?.(err);
    client?.removeAllListeners();
    client?.on("error", () => undefined);
    client?.end().catch(() => undefined);
    client = undefined;
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect();
    }, options.retryMs ?? 2_000);
    retry.unref();
  };
  const connect = () => {
    if (closed) return;
    const c = new Client({
      connectionString: url,
      application_name: "chatia-flow:token-revocations",
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      keepAlive: true,
    });
    client = c;
    c.on("notification", (n) => {
      if (n.channel === REVOKED_CHANNEL) onRevoked(n.payload ?? "");
    });
    c.on("error", again);
    c.on("end", () => {
      if (!closed && client === c) again(new Error("the LISTEN connection ended"));
    });
    c.connect()
      .then(() => c.query(`LISTEN ${REVOKED_CHANNEL}`))
      .catch((err: unknown) => {
        if (client === c) again(err as Error);
      });
  };
  connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      if (!c) return;
      c.removeAllListeners();
      c.on("error", () => undefined);
      // A Postgres that stopped answering would hold end() until TCP gives up: wait 1 s at most.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        c.end().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 1_000);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
