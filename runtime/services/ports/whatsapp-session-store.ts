// The WhatsApp auth state kept per connection, as opaque JSON text
// (runtime/adapters/db/repositories/whatsapp-session-store.ts keeps it in Postgres).

/** One signal key to write: `value` null deletes it. */
export interface SessionKeyWrite {
  readonly type: string;
  readonly id: string;
  readonly value: string | null;
}

export interface PurgeSessionsOptions {
  /**
   * Sessions of live connections that are DISCONNECTED and unchanged (`Whatsapps.updatedAt`)
   * since before this instant are deleted too.
   */
  readonly loggedOutBefore: Date;
}

export interface WhatsappSessionStore {
  /** The stored credentials (JSON text), or null when the connection has no session. */
  readCreds(whatsappId: number): Promise<string | null>;
  /** Creates the session or replaces its credentials. */
  writeCreds(whatsappId: number, companyId: number, creds: string): Promise<void>;
  /** The stored values of `type` among `ids`, by id; absent ids are not in the map. */
  readKeys(whatsappId: number, type: string, ids: readonly string[]): Promise<Map<string, string>>;
  /** Writes and deletes keys in one transaction: all of a batch or none (the last entry for a key wins). */
  writeKeys(whatsappId: number, writes: readonly SessionKeyWrite[]): Promise<void>;
  /** Deletes the connection's session and its keys; true when there was one. */
  clear(whatsappId: number): Promise<boolean>;
  /**
   * Session housekeeping (job PurgeWhatsappSessions): deletes the stored auth state of deleted
   * connections, and of connections DISCONNECTED since before `loggedOutBefore`.
   */
  purgeSessions(options: PurgeSessionsOptions): Promise<{ deleted: number }>;
}
