// Campaigns (CampaignQueue): from a due campaign to one paced, at-most-once send per contact.
// Postgres is the system of record; every Bull job has a deterministic id, so enqueueing twice
// is harmless and a reconcile step can re-enqueue whatever a crash left behind.
//
//   Verify:   PROGRAMADA due ─▶ enqueue ProcessCampaign `campaign-<id>` ─▶ mark EM_ANDAMENTO
//             EM_ANDAMENTO not expanded, no job ─▶ enqueue again │ unsettled shipping, no job ─▶ again
//   Process:  snapshot the list (shippingsLeft) ─▶ PrepareContact `campaign-<id>-page-<item>` per
//             500 items, each due at its paced time (empty list: FINALIZADA at once)
//   Prepare:  per contact of the page: pick a message, fill variables; the page's shippings in one
//             upsert ─▶ DispatchCampaign `campaign-<id>-dispatch-<item>` per batch of shippings
//             due within a second (one each when paced further apart; `<item>` is the batch's
//             first), delayed to its due time, in one addBulk (a PrepareContact of one
//             `contactId` still works: prepare())
//   Dispatch: campaign-dispatch.ts
import type {
  CampaignExpansion,
  CampaignStore,
  NewShipping,
  ShippingState,
} from "../adapters/db/repositories/campaign-store";
import { ChatiaError } from "../errors";
import {
  type DispatchBatchData,
  type DispatchBatchResult,
  type DispatchData,
  type DispatchResult,
  ShippingDispatcher,
} from "./campaign-dispatch";
import {
  type CampaignQueue,
  DISPATCH_LEAD_MS,
  dispatchBatches,
  dispatchBatchJob,
  dispatchJob,
  dispatchJobId,
  type JobToEnqueue,
  PROCESS_LEAD_MS,
  preparePageJob,
  processJob,
  processJobId,
} from "./campaign-jobs";
import { type CampaignPacing, dueOffsetMs, parsePacing } from "./campaign-pacing";
import { progressOf } from "./campaign-progress";
import type { MessageService } from "./message.service";
import {
  CAMPAIGN_MESSAGE_MARK,
  markMessage,
  parseCampaignVariables,
  renderCampaignMessage,
} from "./message-template";
import type { TicketService } from "./ticket.service";

export type {
  DispatchBatchData,
  DispatchBatchResult,
  DispatchData,
  DispatchResult,
} from "./campaign-dispatch";
export * from "./campaign-jobs";

export interface FindOptions {
  /** PROGRAMADA campaigns due up to this long ahead are started now. @defaultValue 3 h */
  readonly lookAheadMs?: number;
  /** Unsettled shippings overdue by more than this whose job is gone are enqueued again. @defaultValue 10 min */
  readonly strandedAfterMs?: number;
  /** At most this many rows of each kind per run. @defaultValue 100 */
  readonly limit?: number;
}

/** What one Verify run found: the jobs to enqueue, and the campaigns to mark EM_ANDAMENTO after. */
export interface FoundCampaigns {
  readonly jobs: JobToEnqueue[];
  /** Ids of the PROGRAMADA campaigns among `jobs`. */
  readonly due: number[];
  /**
   * Stranded work: how many of `jobs` re-enqueue campaigns and shippings, and how many
   * DispatchCampaign jobs whose attempts had run out were retried once more.
   */
  readonly stranded: {
    readonly campaigns: number;
    readonly shippings: number;
    readonly retried: number;
  };
  /** Campaigns this run finished: nothing was left, yet no settlement had finished them. */
  readonly finished: number[];
}

/** A campaign about to be expanded, as plain data (`load campaign` → `expand campaign`). */
export interface LoadedCampaign {
  readonly id: number;
  readonly companyId: number;
  readonly status: string;
  readonly contactListId: number | null;
  readonly shippingsLeft: number;
  readonly lastItemId: number;
  /** ISO 8601. */
  readonly pacedFrom: string;
  readonly expanded: boolean;
  readonly pacing: CampaignPacing;
  /** This load moved it from PROGRAMADA to EM_ANDAMENTO (the frontend should hear of it). */
  readonly started: boolean;
}

export interface ExpandResult {
  readonly campaignId: number;
  readonly companyId: number;
  /** PrepareContact jobs handed to Bull (existing ids are kept by Bull). */
  readonly contacts: number;
  /** The campaign is FINALIZADA now (its list was empty). */
  readonly finished: boolean;
}

export interface PrepareData {
  readonly campaignId: number;
  /** ContactListItems.id. */
  readonly contactId: number;
  /** When the dispatch is due, ISO 8601 (else now + `delay`). */
  readonly dueAt?: string;
  readonly delay?: number;
  /** The original producer's custom variables (the company's current ones are used too). */
  readonly variables?: readonly { key: string; value: string }[];
}

/** A page of contacts of one campaign (PrepareContact from ProcessCampaign), in list order. */
export interface PreparePageData {
  readonly campaignId: number;
  readonly contacts: readonly { readonly contactId: number; readonly dueAt: string }[];
  /** The original producer's custom variables (the company's current ones are used too). */
  readonly variables?: readonly { key: string; value: string }[];
}

export interface PreparePageResult {
  readonly campaignId: number;
  readonly companyId?: number;
  /** Shippings of the page that wait for their dispatch (created now or by an earlier run). */
  readonly prepared: number;
  /** The DispatchCampaign jobs to enqueue, one per unsettled shipping of the page. */
  readonly dispatches: JobToEnqueue[];
  /** Contacts with nothing to dispatch (settled, removed from the list, not in the campaign). */
  readonly skipped: number;
  /** Why the whole page was skipped. */
  readonly reason?: "missing" | "cancelled";
  /** A removed contact was the last one: the campaign is FINALIZADA now. */
  readonly finished: boolean;
}

export type PrepareResult =
  | {
      readonly campaignId: number;
      readonly contactId: number;
      readonly shippingId: number;
      readonly dispatch: JobToEnqueue;
    }
  | {
      readonly campaignId: number;
      readonly contactId: number;
      readonly skipped: "missing" | "cancelled" | "settled" | "contact-removed" | "not-in-campaign";
      readonly finished?: boolean;
      readonly companyId?: number;
    };

export interface CampaignServiceDeps {
  readonly store: CampaignStore;
  readonly queue: CampaignQueue;
  readonly messages: Pick<MessageService, "send">;
  /** Open-ticket mode: the recipient's ticket, and the messages recorded on it. */
  readonly tickets: Pick<TicketService, "findOrOpenTicket" | "recordMessage">;
  /** Root of the companies' media (`<mediaDir>/company<id>/…`). */
  readonly mediaDir: string;
  /** Picks an index in [0, n). @defaultValue Math.random */
  readonly random?: () => number;
  /** How long a DispatchCampaign batch may run before handing the rest on (campaign-dispatch.ts). */
  readonly batchBudgetMs?: number;
}

/** The statuses a flow may set, and the ones each may be set from. */
export const TRANSITIONS = {
  EM_ANDAMENTO: ["PROGRAMADA"],
  CANCELADA: ["PROGRAMADA", "EM_ANDAMENTO"],
} as const satisfies Record<string, readonly string[]>;
export type CampaignTransition = keyof typeof TRANSITIONS;

const DEFAULTS = { lookAheadMs: 3 * 3_600_000, strandedAfterMs: 10 * 60_000, limit: 100 };
/** Item ids read (and PrepareContact jobs added) per round trip while expanding a list. */
const PAGE = 1000;
/** Contacts per PrepareContact job: their shippings are one INSERT, their dispatches one addBulk. */
export const PREPARE_PAGE = 500;

export class CampaignService {
  private readonly dispatcher: ShippingDispatcher;

  constructor(private readonly deps: CampaignServiceDeps) {
    this.dispatcher = new ShippingDispatcher(deps);
  }

  /**
   * The work of one Verify run at `now`: a ProcessCampaign job per PROGRAMADA campaign due up to
   * `now + lookAhead` (overdue ones too), delayed to its scheduledAt; and, reconciling, one per
   * EM_ANDAMENTO campaign not fully expanded whose job is gone, and a DispatchCampaign per
   * unsettled shipping overdue by `strandedAfter` whose job is gone. Enqueue them, then mark
   * `due` EM_ANDAMENTO: a crash in between is repaired by the next run (same job ids).
   */
  async findCampaigns(now: Date, options: FindOptions = {}): Promise<FoundCampaigns> {
    const o = { ...DEFAULTS, ...options };
    const { store, queue } = this.deps;
    const due = await store.findDue(new Date(now.getTime() + o.lookAheadMs), o.limit);
    // A completed ProcessCampaign of a PROGRAMADA campaign is an earlier run's (the campaign was
    // cancelled or stopped, and programmed again): it must not keep this run's job from being added.
    for (const c of due) await queue.removeCompleted(processJobId(c.id));
    const jobs = due.map((c) =>
      processJob(c.id, (c.scheduledAt?.getTime() ?? 0) - PROCESS_LEAD_MS - now.getTime()),
    );
    let campaigns = 0;
    for (const c of await store.findUnexpanded(o.limit)) {
      // Not expanded, yet its job completed: it found the campaign not running (then moved back).
      const stale = await queue.removeCompleted(processJobId(c.id));
      if (!stale && (await queue.hasJob(processJobId(c.id)))) continue;
      jobs.push(processJob(c.id, 0));
      campaigns++;
    }
    let shippings = 0;
    let retried = 0;
    const before = new Date(now.getTime() - o.strandedAfterMs);
    for (const s of await store.findStranded(before, o.limit)) {
      const job = dispatchJob(s.campaignId, s.id, s.contactId, 0);
      // Its own job (an earlier reconcile's) or its batch's: failed for good → once more.
      const state = await this.pendingDispatch([job.jobId, s.jobId]);
      if (state === "retried") retried++;
      if (state !== "missing") continue;
      jobs.push(job);
      shippings++;
    }
    return {
      jobs,
      due: due.map((c) => c.id),
      stranded: { campaigns, shippings, retried },
      finished: await store.finishDrained(now, o.limit),
    };
  }

  /** Whether one of the jobs (its own, its batch's) will still run, revived if it had failed. */
  private async pendingDispatch(
    jobIds: readonly (string | null)[],
  ): Promise<"present" | "retried" | "missing"> {
    for (const jobId of new Set(jobIds)) {
      if (jobId === null || jobId === "") continue;
      const state = await this.deps.queue.reviveDispatch(jobId);
      if (state === "retried") return "retried";
      if (state === "pending") return "present";
    }
    return "missing";
  }

  /**
   * Moves each campaign to `to` if its status allows it (EM_ANDAMENTO from PROGRAMADA; CANCELADA
   * from PROGRAMADA or EM_ANDAMENTO); returns the campaign rows that changed.
   */
  async updateStatus(
    ids: readonly number[],
    to: CampaignTransition,
    now: Date,
  ): Promise<Record<string, unknown>[]> {
    const changed: Record<string, unknown>[] = [];
    for (const id of ids) {
      if (!(await this.deps.store.setStatus(id, to, TRANSITIONS[to], now))) continue;
      const record = await this.campaignRecord(id);
      if (record !== null) changed.push(record);
    }
    return changed;
  }

  /**
   * Loads a campaign for ProcessCampaign, taking its list's snapshot on the first run (how many
   * items, the highest id, when the pacing starts). Null when the campaign does not exist.
   */
  async loadCampaign(id: number, now: Date): Promise<LoadedCampaign | null> {
    const c = await this.deps.store.startExpansion(id, now);
    return c === null ? null : loaded(c);
  }

  /**
   * Hands every item of the snapshot on as a PrepareContact job due at its paced time, a page
   * of ids at a time (memory bounded by the page, not the list). A campaign whose list was empty
   * becomes FINALIZADA. Runs again after a crash without harm: the job ids are the same.
   */
  async expand(c: LoadedCampaign, now: Date): Promise<ExpandResult> {
    const { store, queue } = this.deps;
    const result = { campaignId: c.id, companyId: c.companyId };
    if (c.status !== "EM_ANDAMENTO" || c.expanded)
      return { ...result, contacts: 0, finished: false };
    const start = new Date(c.pacedFrom).getTime();
    let position = 0;
    let after = 0;
    for (;;) {
      if (c.contactListId === null) break;
      const ids = await store.itemPage(c.contactListId, after, c.lastItemId, PAGE);
      if (ids.length === 0) break;
      const contacts = ids.map((contactId) => {
        const dueAt = new Date(start + dueOffsetMs(c.pacing, position++));
        return { contactId, dueAt };
      });
      const jobs: JobToEnqueue[] = [];
      for (let i = 0; i < contacts.length; i += PREPARE_PAGE) {
        jobs.push(preparePageJob(c.id, contacts.slice(i, i + PREPARE_PAGE)));
      }
      await queue.addBulk("PrepareContact", jobs);
      after = ids[ids.length - 1] ?? after;
    }
    await store.markExpanded(c.id, now);
    const finished = c.shippingsLeft === 0 && (await store.finishIfDone(c.id, now));
    return { ...result, contacts: position, finished };
  }

  /**
   * Prepares one contact's shipping: one of the non-empty message1..5 at random (and of the
   * confirmation messages when the campaign asks for confirmation), variables filled, marked
   * U+200C; the row is created once per campaign and contact. Returns the DispatchCampaign job
   * to enqueue, delayed to the shipping's due time, or why there is none.
   */
  async prepare(data: PrepareData, now: Date): Promise<PrepareResult> {
    const { store } = this.deps;
    const ids = { campaignId: data.campaignId, contactId: data.contactId };
    const c = await store.loadForPrepare(data.campaignId, data.contactId);
    if (c === null) return { ...ids, skipped: "missing" };
    if (c.status === "CANCELADA") return { ...ids, skipped: "cancelled" };
    if (c.item === null || c.lastItemId === null || c.item.id > c.lastItemId) {
      // Added to the list after the campaign started (or it has not started): not part of it.
      if (c.item !== null) return { ...ids, skipped: "not-in-campaign" };
      const progress = await store.forgetContact(c.id, data.contactId, now);
      const finished = progress?.finished === true;
      return { ...ids, skipped: "contact-removed", finished, companyId: c.companyId };
    }
    const custom = {
      ...Object.fromEntries((data.variables ?? []).map((v) => [v.key, v.value])),
      ...parseCampaignVariables(c.variables),
    };
    const vars = { nome: c.item.name, email: c.item.email, numero: c.item.number, custom };
    const fill = (texts: readonly (string | null)[]) => {
      const picked = this.pick(texts);
      return picked === null
        ? null
        : markMessage(CAMPAIGN_MESSAGE_MARK, renderCampaignMessage(picked, vars));
    };
    const dueAt = data.dueAt ? new Date(data.dueAt) : new Date(now.getTime() + (data.delay ?? 0));
    if (Number.isNaN(dueAt.getTime())) {
      throw new ChatiaError("CF_NODE_INPUT", `dueAt ${JSON.stringify(data.dueAt)} is not a date`);
    }
    const jobId = dispatchJobId(c.id, c.item.id);
    const state = await store.upsertShipping({
      ...ids,
      number: c.item.number,
      message: fill(c.messages) ?? "",
      confirmationMessage: c.confirmation ? fill(c.confirmationMessages) : null,
      dueAt,
      jobId,
    });
    if (state.deliveredAt || state.failedAt || state.confirmationRequestedAt) {
      return { ...ids, skipped: "settled" };
    }
    const delayMs = (state.dueAt ?? dueAt).getTime() - DISPATCH_LEAD_MS - now.getTime();
    return {
      ...ids,
      shippingId: state.id,
      dispatch: dispatchJob(c.id, state.id, c.item.id, delayMs),
    };
  }

  /**
   * prepare() for a page of contacts: the campaign read once, the messages picked and filled in
   * memory, the page's shippings written by one INSERT (existing rows keep their first pick and
   * state: a page prepared twice creates nothing twice), and the DispatchCampaign jobs of the
   * unsettled ones returned, to be added in one round trip. A contact gone from the list no
   * longer counts (it may finish the campaign); one added after the snapshot is not sent.
   */
  async preparePage(data: PreparePageData, now: Date): Promise<PreparePageResult> {
    const { store } = this.deps;
    const ids = data.contacts.map((c) => c.contactId);
    const none = { campaignId: data.campaignId, prepared: 0, dispatches: [], finished: false };
    const c = await store.loadPageForPrepare(data.campaignId, ids);
    if (c === null) return { ...none, skipped: ids.length, reason: "missing" };
    if (c.status === "CANCELADA") {
      return { ...none, companyId: c.companyId, skipped: ids.length, reason: "cancelled" };
    }
    const last = c.lastItemId ?? 0;
    const found = new Map(c.items.map((item) => [item.id, item]));
    let finished = false;
    for (const id of ids) {
      if (found.has(id) || c.lastItemId === null) continue;
      const progress = await store.forgetContact(c.id, id, now);
      finished = finished || progress?.finished === true;
    }
    const custom = {
      ...Object.fromEntries((data.variables ?? []).map((v) => [v.key, v.value])),
      ...parseCampaignVariables(c.variables),
    };
    const rows: Omit<NewShipping, "jobId">[] = [];
    for (const contact of data.contacts) {
      const item = found.get(contact.contactId);
      if (item === undefined || item.id > last) continue;
      const vars = { nome: item.name, email: item.email, numero: item.number, custom };
      const fill = (texts: readonly (string | null)[]) => {
        const picked = this.pick(texts);
        return picked === null
          ? null
          : markMessage(CAMPAIGN_MESSAGE_MARK, renderCampaignMessage(picked, vars));
      };
      const dueAt = new Date(contact.dueAt);
      if (Number.isNaN(dueAt.getTime())) {
        throw new ChatiaError(
          "CF_NODE_INPUT",
          `dueAt ${JSON.stringify(contact.dueAt)} is not a date`,
        );
      }
      rows.push({
        campaignId: c.id,
        contactId: item.id,
        number: item.number,
        message: fill(c.messages) ?? "",
        confirmationMessage: c.confirmation ? fill(c.confirmationMessages) : null,
        dueAt,
      });
    }
    // Shippings due together share a DispatchCampaign job; each row names its batch's job. The
    // batches follow the page as ProcessCampaign wrote it (contacts gone from the list included),
    // so a page prepared again gives each shipping the same job id, which Bull adds once.
    const leadOf = new Map<number, number>();
    const planned = data.contacts.map((p) => ({
      contactId: p.contactId,
      dueAt: new Date(p.dueAt),
    }));
    for (const batch of dispatchBatches(planned)) {
      for (const p of batch) leadOf.set(p.contactId, batch[0]?.contactId ?? p.contactId);
    }
    const lead = (contactId: number) => leadOf.get(contactId) ?? contactId;
    const withJobs = rows.map(
      (row): NewShipping => ({ ...row, jobId: dispatchJobId(c.id, lead(row.contactId)) }),
    );
    const batches = new Map<number, (ShippingState & { contactId: number })[]>();
    for (const state of await store.upsertShippings(withJobs)) {
      if (state.deliveredAt || state.failedAt || state.confirmationRequestedAt) continue;
      const members = batches.get(lead(state.contactId)) ?? [];
      members.push(state);
      batches.set(lead(state.contactId), members);
    }
    const dispatches: JobToEnqueue[] = [];
    let prepared = 0;
    for (const [leadId, pending] of batches) {
      pending.sort(
        (a, b) =>
          (a.dueAt?.getTime() ?? 0) - (b.dueAt?.getTime() ?? 0) || a.contactId - b.contactId,
      );
      const [first] = pending;
      if (first === undefined) continue;
      const delayMs = (first.dueAt ?? now).getTime() - DISPATCH_LEAD_MS - now.getTime();
      const shippings = pending.map((state) => ({
        campaignShippingId: state.id,
        contactListItemId: state.contactId,
      }));
      dispatches.push(dispatchBatchJob(c.id, leadId, shippings, delayMs));
      prepared += pending.length;
    }
    return {
      campaignId: c.id,
      companyId: c.companyId,
      prepared,
      dispatches,
      skipped: ids.length - prepared,
      finished,
    };
  }

  /** Sends one shipping at most once (see campaign-dispatch.ts). */
  dispatch(data: DispatchData, now: () => Date = () => new Date()): Promise<DispatchResult> {
    return this.dispatcher.dispatch(data, now);
  }

  /** Sends a batch's shippings in order, each at most once (see campaign-dispatch.ts). */
  dispatchBatch(
    data: DispatchBatchData,
    now: () => Date = () => new Date(),
  ): Promise<DispatchBatchResult> {
    return this.dispatcher.dispatchBatch(data, now);
  }

  /**
   * The campaign row as the frontend knows it, for `company-<id>-campaign` events, with its
   * progress as the progress endpoint computes it: `sent`, `failed`, `pending`, `total`, `eta`
   * (and `shippingsLeft` = `pending`: the column is only the snapshot's count).
   */
  async campaignRecord(id: number): Promise<Record<string, unknown> | null> {
    const [row, counts] = await Promise.all([
      this.deps.store.campaignRecord(id),
      this.deps.store.progressCounts(id),
    ]);
    if (row === null || counts === null) return row;
    const { sent, failed, pending, total, eta } = progressOf(counts, new Date());
    return { ...row, shippingsLeft: pending, sent, failed, pending, total, eta };
  }

  /** One of the non-empty texts at random, or null when all are empty. */
  private pick(texts: readonly (string | null)[]): string | null {
    const candidates = texts.filter((t): t is string => typeof t === "string" && t.trim() !== "");
    if (candidates.length === 0) return null;
    const random = this.deps.random ?? Math.random;
    const index = Math.min(candidates.length - 1, Math.floor(random() * candidates.length));
    return candidates[index] ?? null;
  }
}

function loaded(c: CampaignExpansion): LoadedCampaign {
  return {
    id: c.id,
    companyId: c.companyId,
    status: c.status,
    contactListId: c.contactListId,
    shippingsLeft: c.shippingsLeft ?? 0,
    lastItemId: c.lastItemId ?? 0,
    pacedFrom: (c.pacedFrom ?? new Date()).toISOString(),
    expanded: c.expandedAt !== null,
    pacing: parsePacing(c.settings ?? {}),
    started: c.started,
  };
}
