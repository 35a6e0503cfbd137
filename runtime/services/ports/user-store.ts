// Attendants' presence, as UserService needs it (runtime/adapters/db/repositories/user-store.ts).

export interface UserStore {
  /** Sets `online = false` on every online user whose `updatedAt` is before `seenBefore`; returns how many. */
  markOfflineSeenBefore(seenBefore: Date, now: Date): Promise<number>;
}
