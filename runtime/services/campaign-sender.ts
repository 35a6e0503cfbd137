// A connection's campaign sender: the one DispatchCampaign job of a WhatsApp connection, which
// sends what is due of every running campaign on it and re-arms itself for the next due time.
// Postgres holds the schedule (a due time per CampaignShipping row); Redis holds, per connection
// with pending shippings, one delayed job and a lease — never a job per contact.
//
//   job ─▶ take the connection's lease (held: another process is sending; come back in 1 s)
//     loop: the first pending shippings of the connection's running campaigns, by due time
//       ├ none                   ─▶ done (the next expansion or PrepareContact arms it again)
//       ├ first due later        ─▶ re-arm at its due time − lead, done
//       ├ ran its time budget    ─▶ re-arm now (behind the other connections' jobs), done
//       └ due within the lead    ─▶ send each at its due time, at most once (campaign-dispatch.ts)
//   the lease is released before re-arming, so the next run never finds it held by this one.
import type {
  CampaignStore,
  ShippingForDispatch,
} from "../adapters/db/repositories/campaign-store";
import { ChatiaError } from "../errors";
import type { DispatchOutcome, DispatchResult, ShippingDispatcher } from "./campaign-dispatch";
import {
  type CampaignQueue,
  DISPATCH_LEAD_MS,
  type JobToEnqueue,
  senderJob,
} from "./campaign-jobs";

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
  readonly dispatcher: Pick<ShippingDispatcher, "dispatchLoaded">;
  /** How long one run sends before handing the worker slot on. @defaultValue 5000 */
  readonly budgetMs?: number;
}

/** Shippings read per round trip; a cancelled campaign's stop is at most one round behind. */
const ROUND = 50;
/** Shippings due at the same instant (no pacing) sent at once, in list order of their start. */
const PARALLEL = 8;
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

  /** Sends rounds of due shippings until none is due; the time to re-arm at, or null. */
  private async sendDue(
    whatsappId: number,
    lease: SenderLease,
    result: RunResult,
    now: () => Date,
  ): Promise<number | null> {
    const stopAt = now().getTime() + (this.deps.budgetMs ?? 5000);
    for (;;) {
      const rows = await this.deps.store.dueOnConnection(whatsappId, ROUND);
      const [first] = rows;
      if (first === undefined) return null;
      const t = now().getTime();
      const firstDue = first.dueAt?.getTime() ?? t;
      if (firstDue - DISPATCH_LEAD_MS > t) return firstDue - DISPATCH_LEAD_MS;
      if (t >= stopAt) return t;
      if (!(await lease.renew(SENDER_LEASE_MS))) {
        throw new ChatiaError("CF_CAMPAIGN_SENDER_BUSY", `lost connection ${whatsappId}'s lease`);
      }
      const due = rows.filter((r) => (r.dueAt?.getTime() ?? t) - DISPATCH_LEAD_MS <= t);
      for (const group of sameInstant(due)) await this.sendGroup(group, result, now);
    }
  }

  /**
   * Shippings due at one instant: up to PARALLEL at once, started in order. An error stops
   * starting more; the sends under way finish before it is thrown (the lease is still held).
   */
  private async sendGroup(
    group: readonly ShippingForDispatch[],
    result: RunResult,
    now: () => Date,
  ): Promise<void> {
    let i = 0;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (i < group.length && failure === undefined) {
        const s = group[i++];
        if (s === undefined) return;
        try {
          result.add(await this.deps.dispatcher.dispatchLoaded(s.campaignId, s.id, s, now));
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    const width = Math.min(PARALLEL, group.length);
    await Promise.all(Array.from({ length: width }, worker));
    if (failure !== undefined) throw failure.error;
  }

  private arm(data: SenderData, atMs: number, now: Date): Promise<void> {
    const job: JobToEnqueue = senderJob(data.whatsappId, data.companyId, atMs, now.getTime());
    return this.deps.queue.addBulk("DispatchCampaign", [job]);
  }
}

/** Consecutive runs of shippings with the same due time (zero pacing: the whole round). */
function sameInstant(rows: readonly ShippingForDispatch[]): ShippingForDispatch[][] {
  const groups: ShippingForDispatch[][] = [];
  let last: number | undefined;
  for (const row of rows) {
    const at = row.dueAt?.getTime() ?? 0;
    const current = groups.at(-1);
    if (current !== undefined && at === last) current.push(row);
    else groups.push([row]);
    last = at;
  }
  return groups;
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
