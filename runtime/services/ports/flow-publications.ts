// The newest flow set the api published, recorded outside Redis (runtime/adapters/db: Postgres).
// Whoever can write Redis can put back a set the api once signed; a worker that has just started
// has seen no newer one, so it asks this record how new a set must be (flow-bridge/flow-sync.ts).

export interface FlowPublications {
  /** The newest sequence number published under `key` (0 when none was). */
  newest(key: string): Promise<number>;
  /** Records that `seq` was published under `key`; an older number than the recorded one changes nothing. */
  record(key: string, seq: number): Promise<void>;
}
