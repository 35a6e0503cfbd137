// Keeps attendants' online flags honest (UserMonitor/VerifyLoginStatus): a user online whose row
// was not touched for a while is taken as gone. `updatedAt` is the last sign of life.
import type { UserStore } from "./ports/user-store";

export interface IdleUsersResult {
  /** Users set offline now. */
  readonly updated: number;
}

export class UserService {
  constructor(private readonly store: UserStore) {}

  /** Users online whose `updatedAt` is more than `idleMinutes` before `now` go offline, in one UPDATE. */
  async markIdleUsersOffline(now: Date, idleMinutes: number): Promise<IdleUsersResult> {
    if (!Number.isFinite(idleMinutes) || idleMinutes < 0) {
      throw new RangeError(`idleMinutes must be a number >= 0, got ${idleMinutes}`);
    }
    const seenBefore = new Date(now.getTime() - idleMinutes * 60_000);
    return { updated: await this.store.markOfflineSeenBefore(seenBefore, now) };
  }
}
