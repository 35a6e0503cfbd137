// WhatsApp session housekeeping (SessionMonitor/PurgeWhatsappSessions): stored auth state of
// deleted connections, and of connections logged out for more than N days, is deleted from the
// database. Nothing else is touched: no files, no processes, no remote calls.
import type { PurgedSession, SessionStore } from "../adapters/db/repositories/session-store";

export type { PurgedSession };

export interface PurgeOptions {
  /** Days a connection must have been logged out (DISCONNECTED, unchanged) before its state goes; null: never. */
  readonly loggedOutDays: number | null;
  /** Purge deleted connections' state. @defaultValue true */
  readonly deletedConnections?: boolean;
}

export class SessionService {
  constructor(private readonly store: SessionStore) {}

  /** Deletes the stored auth state that `options` select at `now`; returns whose. */
  async purge(now: Date, options: PurgeOptions): Promise<{ purged: PurgedSession[] }> {
    const days = options.loggedOutDays;
    if (days !== null && (!Number.isFinite(days) || days < 0)) {
      throw new RangeError(`loggedOutDays must be a number >= 0, got ${days}`);
    }
    const purged = await this.store.purge({
      deletedConnections: options.deletedConnections !== false,
      loggedOutBefore: days === null ? null : new Date(now.getTime() - days * 86_400_000),
    });
    return { purged };
  }
}
