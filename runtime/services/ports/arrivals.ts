// A line shared by every process: who joined it before you and has not left yet. A check made
// after joining counts everyone ahead, so concurrent requests cannot all pass the same check (a
// company's jobs waiting: those being added count with those already added).

/** One place taken in a line: the members ahead of it when it joined, and how to leave. */
export interface Place {
  /**
   * The members that joined the line earlier and had not left nor expired when this one joined,
   * in no particular order.
   */
  readonly ahead: readonly string[];
  /** Leaves the line (once is enough; later calls do nothing). */
  leave(): Promise<void>;
}

export interface ArrivalLine {
  /**
   * Joins `line` as `member` (the same member may join twice: each place is its own). A place
   * left by a process that died expires after `ttlMs`.
   */
  join(line: string, member: string, ttlMs: number): Promise<Place>;
}
