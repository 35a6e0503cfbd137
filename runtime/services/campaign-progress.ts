// A campaign's progress from its counts: what `GET /api/campaigns/<id>/progress` answers and what
// every `company-<id>-campaign` event's record carries (`sent`, `failed`, `pending`, `total`, `eta`).
import type { CampaignCounts } from "./ports/campaign-progress-store";

export interface CampaignProgress {
  readonly id: number;
  readonly status: string;
  readonly total: number;
  readonly sent: number;
  readonly failed: number;
  readonly pending: number;
  /** When the last pending shipping should be settled at the pace seen so far; null if unknown. */
  readonly eta: string | null;
}

/** The counts as the API answers them (see CampaignProgress). */
export function progressOf(c: CampaignCounts, now: Date): CampaignProgress {
  const settled = c.sent + c.failed;
  // A finished campaign sent to the shippings it made; a running one sends to its whole list.
  const total = c.status === "FINALIZADA" ? c.shippings : Math.max(c.shippings, c.items);
  const pending = Math.max(0, total - settled);
  return {
    id: c.id,
    status: c.status,
    total,
    sent: c.sent,
    failed: c.failed,
    pending,
    eta: c.status === "EM_ANDAMENTO" ? eta(c, settled, pending, now) : null,
  };
}

/** The mean interval between settled shippings so far, carried over the pending ones. */
function eta(c: CampaignCounts, settled: number, pending: number, now: Date): string | null {
  if (pending === 0 || settled < 2 || c.firstDoneAt === null || c.lastDoneAt === null) return null;
  const last = new Date(c.lastDoneAt).getTime();
  const interval = (last - new Date(c.firstDoneAt).getTime()) / (settled - 1);
  return new Date(Math.max(now.getTime(), last + interval * pending)).toISOString();
}
