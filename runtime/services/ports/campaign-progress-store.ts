// One campaign's delivery counts and its cancellation, as the campaign endpoints need them
// (runtime/adapters/db/repositories/campaign-progress-store.ts implements them in SQL).

export interface CampaignCounts {
  readonly id: number;
  readonly companyId: number;
  readonly status: string;
  readonly completedAt: Date | null;
  /** Items of its contact list (0 without a list); once started, those of its snapshot (lastItemId). */
  readonly items: number;
  /** Its CampaignShipping rows. */
  readonly shippings: number;
  readonly sent: number;
  readonly failed: number;
  /** First and last settled shipping (delivered or failed). */
  readonly firstDoneAt: Date | null;
  readonly lastDoneAt: Date | null;
}

/** Statuses a campaign may be cancelled from. */
export const CANCELLABLE = ["PROGRAMADA", "EM_ANDAMENTO"] as const;

export interface CampaignProgressStore {
  counts(id: number): Promise<CampaignCounts | null>;
  owner(id: number): Promise<{ companyId: number; status: string } | null>;
  /** PROGRAMADA or EM_ANDAMENTO → CANCELADA; the row as it now is, or null when not moved. */
  cancel(id: number, now: Date): Promise<Record<string, unknown> | null>;
}
