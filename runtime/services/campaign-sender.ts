// A connection's campaign sender: the one DispatchCampaign job of a WhatsApp connection, which
// sends what is due of every running campaign on it and re-arms itself for the next due time.
// Postgres holds the schedule (a due time per CampaignShipping row); Redis holds, per connection
// with pending shippings, one delayed job and a lease — never a job per contact.
//
//   job ─▶ take the connection's lease (held: another process is sending; come back in 1 s)
//     read: the next pending shippings of the connection's running campaigns, by due time
//       ├ none                   ─▶ done (the next expansion or PrepareContact arms it again)
//       ├ first due later        ─▶ re-arm at its due time − lead, done
//       ├ ran its time budget    ─▶ re-arm now (behind the other connections' jobs), done
//       └ due within the lead    ─▶ send each at its due time, at most once (campaign-dispatch.ts),
//                                   started in due order; those due at one instant (no pacing)
//                                   in batches of 32, 4 under way (one claim and one settlement
//                                   each); read on past the last one
//   the lease is released before re-arming, so the next run never finds it held by this one.

import { ChatiaError } from "../errors";
import type { DispatchOutcome, DispatchResult, ShippingDispatcher } from "./campaign-dispatch";
import { type CampaignJob, type CampaignQueue, DISPATCH_LEAD_MS, senderJob } from "./campaign-jobs";
import type { CampaignStore, ShippingForDispatch } from "./ports/campaign-store";

/** A lease on a key across all processes (runtime/adapters/redis/keyed-lease.ts). */
export interface SenderLease {
  renew(ttlMs: number): Promise<boolean>;
  release(): Promise<void>;
}
export interface SenderLeases {
  tryTake(key: string | number, ttlMs: number): Promise<SenderLease | null>;
  /** Whether a process is sending on the connection now. */
  isHeld(key: string | number): Promise<boolean>;
}

/** DispatchCampaign for a connection: `{ whatsappId, companyId? }`. */
export interface SenderData {
  readonly whatsappId: number;
  /** The owner company, for tenancy (the connection's). */
  readonly companyId?: number;
}

export interface SenderResult {
  readonly whatsappId: number;
  readonly companyId?: number;
  /** Another process held the connection's lease: this run sent nothing and re-armed in 1 s. */
  readonly busy: boolean;
  readonly outcomes: Readonly<Record<DispatchOutcome, number>>;
  readonly failures: readonly { readonly shippingId: number; readonly reason: string }[];
  /** The campaigns whose progress the frontend should hear of now, and whether each finished. */
  readonly campaigns: readonly { readonly campaignId: number; readonly finished: boolean }[];
  /** When the next run is armed (ISO), or null when nothing is pending. */
  readonly next: string | null;
}

export interface SenderDeps {
  readonly store: Pick<CampaignStore, "dueOnConnection">;
  readonly queue: Pick<CampaignQueue, "addBulk">;
  readonly leases: SenderLeases;
  readonly dispatcher: Pick<ShippingDispatcher, "dispatchLoaded" | "dispatchMany">;
  /** How long one run sends before handing the worker slot on. @defaultValue 5000 */
  readonly budgetMs?: number;
}

/** Shippings read per round trip; a cancelled campaign's stop is at most one round behind. */
const ROUND = 100;
/** Sends (single, or batches) under way at once on a connection (each waits for its due time). */
const PARALLEL = 4;
/**
 * Shippings due at the same instant sent as one batch (one ledger claim, one settlement): all
 * of a batch is in flight at once, so a SIGKILL leaves at most PARALLEL × BATCH in doubt. Paced
 * shippings are due one by one: their batches are of one.
 */
const BATCH = 32;
/** The lease outlives a crashed holder by this much at most; renewed at every round. */
export const SENDER_LEASE_MS = 30_000;
/** A run that finds the lease held comes back this much later (ids rounded to it merge). */
const BUSY_RETRY_MS = 1000;

export class CampaignSender {
  constructor(private readonly deps: SenderDeps) {}

  async run(data: SenderData, now: () => Date = () => new Date()): Promise<SenderResult> {
    const { whatsappId } = data;
    const lease = await this.deps.leases.tryTake(whatsappId, SENDER_LEASE_MS);
    const result = new RunResult(data);
    if (lease === null) {
      const at = Math.ceil((now().getTime() + BUSY_RETRY_MS) / BUSY_RETRY_MS) * BUSY_RETRY_MS;
      await this.arm(data, at, now());
      return result.done(true, at);
    }
    let next: number | null;
    try {
      next = await this.sendDue(whatsappId, lease, result, now);
    } finally {
      await lease.release();
    }
    if (next !== null) await this.arm(data, next, now());
    return result.done(false, next);
  }

  /**
   * Sends due shippings until none is due, PARALLEL at a time, started in due order (each send
   * still waits for its own due time), reading them ROUND at a time past the last one read; the
   * time to re-arm at, or null when nothing is pending. An error stops starting sends; the sends
   * under way finish (under the lease) before it is thrown.
   */
  private async sendDue(
    whatsappId: number,
    lease: SenderLease,
    result: RunResult,
    now: () => Date,
  ): Promise<number | null> {
    const feed = new DueFeed(this.deps.store, whatsappId, lease, now, this.deps.budgetMs ?? 5000);
    const gate = new InstantGate();
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (failure === undefined) {
        try {
          const next = await feed.next(BATCH);
          if (next === null) return;
          const [first] = next.rows;
          const dueMs = first?.dueAt?.getTime() ?? 0;
          if (!(await gate.enter(next.ticket, next.rows.length, dueMs))) return;
          try {
            if (next.rows.length === 1 && first !== undefined) {
              result.add(
                await this.deps.dispatcher.dispatchLoaded(first.campaignId, first.id, first, now),
              );
            } else {
              await this.deps.dispatcher.dispatchMany(next.rows, now, (r) => result.add(r));
            }
          } finally {
            gate.leave();
          }
        } catch (error) {
          failure ??= { error };
          gate.stop();
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    if (failure !== undefined) throw failure.error;
    return feed.rearmAt;
  }

  private arm(data: SenderData, atMs: number, now: Date): Promise<void> {
    const job: CampaignJob = senderJob(data.whatsappId, data.companyId, atMs, now.getTime());
    return this.deps.queue.addBulk("DispatchCampaign", [job]);
  }
}

/**
 * The due shippings of a connection, one at a time, in due order: read ROUND at a time past the
 * last one read (one read at a time however many senders ask), until none is due within the
 * lead or the run's budget is spent; then `rearmAt` says when to come back (null: never).
 */
class DueFeed {
  private buffer: ShippingForDispatch[] = [];
  private after: { dueAt: Date; id: number } | undefined;
  private reading: Promise<void> | undefined;
  private done = false;
  private readonly stopAt: number;
  rearmAt: number | null = null;

  constructor(
    private readonly store: Pick<CampaignStore, "dueOnConnection">,
    private readonly whatsappId: number,
    private readonly lease: SenderLease,
    private readonly now: () => Date,
    budgetMs: number,
  ) {
    this.stopAt = now().getTime() + budgetMs;
  }

  private tickets = 0;

  /**
   * The next due shippings — up to `max` due at the same instant, in due order — and the place
   * of the first in due order (its ticket; each row takes one), or null when done.
   */
  async next(max: number): Promise<{ rows: ShippingForDispatch[]; ticket: number } | null> {
    for (;;) {
      const [first] = this.buffer;
      if (first !== undefined) {
        const dueMs = first.dueAt?.getTime() ?? 0;
        let n = 1;
        while (
          n < max &&
          n < this.buffer.length &&
          (this.buffer[n]?.dueAt?.getTime() ?? 0) === dueMs
        ) {
          n++;
        }
        const ticket = this.tickets;
        this.tickets += n;
        return { rows: this.buffer.splice(0, n), ticket };
      }
      if (this.done) return null;
      this.reading ??= this.read().finally(() => {
        this.reading = undefined;
      });
      await this.reading;
    }
  }

  private async read(): Promise<void> {
    const rows = await this.store.dueOnConnection(this.whatsappId, ROUND, this.after);
    const [first] = rows;
    const t = this.now().getTime();
    if (first === undefined) return this.finish(this.after === undefined ? null : t);
    if (t >= this.stopAt) return this.finish(t);
    const firstDue = first.dueAt?.getTime() ?? t;
    if (firstDue - DISPATCH_LEAD_MS > t) return this.finish(firstDue - DISPATCH_LEAD_MS);
    if (!(await this.lease.renew(SENDER_LEASE_MS))) {
      throw new ChatiaError(
        "CF_CAMPAIGN_SENDER_BUSY",
        `lost connection ${this.whatsappId}'s lease`,
      );
    }
    const due = rows.filter((r) => (r.dueAt?.getTime() ?? t) - DISPATCH_LEAD_MS <= t);
    const last = due.at(-1);
    if (last?.dueAt) this.after = { dueAt: last.dueAt, id: last.id };
    this.buffer.push(...due);
  }

  private finish(rearmAt: number | null): void {
    this.done = true;
    this.rearmAt = rearmAt;
  }
}

/**
 * Lets sends start in ticket (due) order, several at once only while they are due at the same
 * instant (a campaign without pacing): a shipping due later waits until those under way are done,
 * so that paced messages, whichever campaign they belong to, go out one after another.
 */
class InstantGate {
  private active = 0;
  private dueMs = 0;
  private turn = 0;
  private stopped = false;
  private changed = signal();

  /** Waits for the turn of the ticket (of `count` rows); false when the run stopped meanwhile. */
  async enter(ticket: number, count: number, dueMs: number): Promise<boolean> {
    for (;;) {
      if (this.stopped) return false;
      if (ticket === this.turn && (this.active === 0 || this.dueMs === dueMs)) {
        this.turn += count;
        this.active++;
        this.dueMs = dueMs;
        this.signal();
        return true;
      }
      await this.changed.promise;
    }
  }

  leave(): void {
    this.active--;
    this.signal();
  }

  stop(): void {
    this.stopped = true;
    this.signal();
  }

  private signal(): void {
    const changed = this.changed;
    this.changed = signal();
    changed.resolve();
  }
}

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** What one run did, gathered as its shippings settle. */
class RunResult {
  private readonly outcomes: Record<DispatchOutcome, number> = {
    delivered: 0,
    failed: 0,
    "confirmation-requested": 0,
    skipped: 0,
  };
  private readonly failures: { shippingId: number; reason: string }[] = [];
  private readonly campaigns = new Map<number, boolean>();

  constructor(private readonly data: SenderData) {}

  add(r: DispatchResult): void {
    this.outcomes[r.outcome]++;
    if (r.outcome === "failed")
      this.failures.push({ shippingId: r.shippingId, reason: r.reason ?? "" });
    const finished = r.progress?.finished === true;
    if (r.emit || finished) {
      this.campaigns.set(r.campaignId, finished || this.campaigns.get(r.campaignId) === true);
    }
  }

  done(busy: boolean, next: number | null): SenderResult {
    return {
      whatsappId: this.data.whatsappId,
      ...(this.data.companyId === undefined ? {} : { companyId: this.data.companyId }),
      busy,
      outcomes: this.outcomes,
      failures: this.failures,
      campaigns: [...this.campaigns].map(([campaignId, finished]) => ({ campaignId, finished })),
      next: next === null ? null : new Date(next).toISOString(),
    };
  }
}
