// WhatsApp session housekeeping (SessionMonitor/PurgeWhatsappSessions): the stored auth state of
// deleted connections, and of connections logged out for more than N days, is deleted from the
// database through the auth-state store. Nothing else is touched: no files, no processes, no
// remote calls.
import type { WhatsappSessionStore } from "./ports/whatsapp-session-store";

export interface PurgeOptions {
  /** Days a connection must have been logged out (DISCONNECTED, its row unchanged) before its state goes. */
  readonly loggedOutDays: number;
}

export class SessionService {
  constructor(private readonly store: Pick<WhatsappSessionStore, "purgeSessions">) {}

  /** Deletes the auth state of deleted connections and of ones logged out `loggedOutDays` before `now`. */
  async purge(now: Date, options: PurgeOptions): Promise<{ deleted: number }> {
    const days = options.loggedOutDays;
    if (!Number.isFinite(days) || days < 0) {
      throw new RangeError(`loggedOutDays must be a number >= 0, got ${days}`);
    }
    return this.store.purgeSessions({
      loggedOutBefore: new Date(now.getTime() - days * 86_400_000),
    });
  }
}
