// Campaigns (CampaignQueue): from a due campaign to one paced, at-most-once send per contact.
// Postgres is the schedule of record: one CampaignShipping row per contact, with its due time.
// Redis holds work per connection, never per contact: one DispatchCampaign job per connection
// with pending shippings (campaign-sender.ts), which sends what is due and re-arms itself.
//
//   Verify:   PROGRAMADA due ─▶ enqueue ProcessCampaign `campaign-<id>` ─▶ mark EM_ANDAMENTO
//             EM_ANDAMENTO not expanded, no job ─▶ enqueue again │ a connection with shippings
//             10 min overdue and no sender running ─▶ its sender again (a failed one retried)
//   Process:  snapshot the list (shippingsLeft) ─▶ the shippings, 1,000 contacts per statement,
//             each with its paced due time and its message picked and filled ─▶ arm the
//             connection's sender (empty list: FINALIZADA at once)
//   Prepare:  (producers of earlier versions) a page or one contact: its shippings ─▶ arm the sender
//   Dispatch: `{ whatsappId }` the connection's sender (campaign-sender.ts); the per-shipping
//             forms of earlier versions still send, under the connection's lease (campaign-dispatch.ts)

import { ChatiaError } from "../errors";
import {
  type DispatchBatchData,
  type DispatchBatchResult,
  type DispatchData,
  type DispatchResult,
  ShippingDispatcher,
} from "./campaign-dispatch";
import {
  type CampaignJob,
  type CampaignQueue,
  DISPATCH_LEAD_MS,
  dispatchJob,
  dispatchJobId,
  type JobToEnqueue,
  PROCESS_LEAD_MS,
  processJob,
  processJobId,
  senderJob,
  senderJobPrefix,
  senderReconcileJob,
} from "./campaign-jobs";
import { type CampaignPacing, parsePacing } from "./campaign-pacing";
import { progressOf } from "./campaign-progress";
import {
  CampaignSender,
  type SenderData,
  type SenderLeases,
  type SenderResult,
} from "./campaign-sender";
import type { MessageService } from "./message.service";
import {
  CAMPAIGN_MESSAGE_MARK,
  type CampaignMessagePart,
  compileCampaignMessage,
  markMessage,
  parseCampaignVariables,
  renderCampaignMessage,
} from "./message-template";
import type {
  CampaignExpansion,
  CampaignForPrepare,
  CampaignStore,
  ContactItem,
  NewShipping,
} from "./ports/campaign-store";
import type { TicketService } from "./ticket.service";

export type {
  DispatchBatchData,
  DispatchBatchResult,
  DispatchData,
  DispatchResult,
} from "./campaign-dispatch";
export * from "./campaign-jobs";
export type { SenderData, SenderResult } from "./campaign-sender";

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
   * Stranded work: how many of `jobs` re-enqueue campaigns and connections' senders
   * (`shippings`: connections with shippings overdue and no sender at work), and how many
   * senders whose attempts had run out were retried once more.
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
  /** The connection its messages go through (null: none). */
  readonly whatsappId?: number | null;
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
  /** Contacts of the list this run went through (their shippings exist now). */
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
  /** The DispatchCampaign jobs to enqueue: the connection's sender, armed for the first one. */
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
  readonly messages: Pick<MessageService, "send" | "sendMany">;
  /** Open-ticket mode: the recipient's ticket, and the messages recorded on it. */
  readonly tickets: Pick<TicketService, "findOrOpenTicket" | "recordMessage">;
  /** Root of the companies' media (`<mediaDir>/company<id>/…`). */
  readonly mediaDir: string;
  /** Picks an index in [0, n). @defaultValue Math.random */
  readonly random?: () => number;
  /** How long a DispatchCampaign batch may run before handing the rest on (campaign-dispatch.ts). */
  readonly batchBudgetMs?: number;
  /** The connections' sender leases, across all processes (Redis in the runtime). */
  readonly leases: SenderLeases;
  /** How long one run of a connection's sender sends before re-arming. @defaultValue 5000 */
  readonly senderBudgetMs?: number;
}

/** The statuses a flow may set, and the ones each may be set from. */
export const TRANSITIONS = {
  EM_ANDAMENTO: ["PROGRAMADA"],
  CANCELADA: ["PROGRAMADA", "EM_ANDAMENTO"],
} as const satisfies Record<string, readonly string[]>;
export type CampaignTransition = keyof typeof TRANSITIONS;

const DEFAULTS = { lookAheadMs: 3 * 3_600_000, strandedAfterMs: 10 * 60_000, limit: 100 };
/** Items read, and shippings written, per round trip while expanding a list. */
const PAGE = 1000;
/** Contacts per PrepareContact job: their shippings are one INSERT, their dispatches one addBulk. */
export const PREPARE_PAGE = 500;

export class CampaignService {
  private readonly dispatcher: ShippingDispatcher;
  private readonly sender: CampaignSender;

  constructor(private readonly deps: CampaignServiceDeps) {
    this.dispatcher = new ShippingDispatcher(deps);
    this.sender = new CampaignSender({
      ...deps,
      dispatcher: this.dispatcher,
      ...(deps.senderBudgetMs === undefined ? {} : { budgetMs: deps.senderBudgetMs }),
    });
  }

  /**
   * The work of one Verify run at `now`: a ProcessCampaign job per PROGRAMADA campaign due up to
   * `now + lookAhead` (overdue ones too), delayed to its scheduledAt; and, reconciling, one per
   * EM_ANDAMENTO campaign not fully expanded whose job is gone, and the sender of each connection
   * with a shipping overdue by `strandedAfter` that no process is sending. Enqueue them, then mark
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
    for (const c of await store.connectionsOverdue(before, o.limit)) {
      // A sender at work is only behind (a long campaign without pacing): leave it be.
      if (await this.deps.leases.isHeld(c.whatsappId)) continue;
      const job = senderReconcileJob(c.whatsappId, c.companyId);
      // Its reconcile job of an earlier run, failed for good (connection down) → once more.
      const state = await this.pendingDispatch([job.jobId]);
      if (state === "retried") retried++;
      if (state !== "missing") continue;
      jobs.push(job);
      shippings++;
    }
    return {
      jobs: jobs.map((j) => queue.place(j)),
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
   * Writes a shipping for every item of the snapshot, 1,000 per statement, each due at its paced
   * time with its message picked and filled (memory bounded by the page, not the list), and arms
   * the connection's sender as soon as the first page is written. A run after a crash resumes
   * after the last item written. Contacts that left the list meanwhile are counted off once, at
   * the end; a campaign whose list was empty becomes FINALIZADA.
   */
  async expand(c: LoadedCampaign, now: Date): Promise<ExpandResult> {
    const { store } = this.deps;
    const result = { campaignId: c.id, companyId: c.companyId };
    if (c.status !== "EM_ANDAMENTO" || c.expanded)
      return { ...result, contacts: 0, finished: false };
    const campaign = await store.loadForPrepare(c.id, 0);
    if (campaign === null) return { ...result, contacts: 0, finished: false };
    const start = new Date(c.pacedFrom).getTime();
    const whatsappId = c.whatsappId ?? campaign.whatsappId;
    const resume = await store.expansionResume(c.id);
    let { after, position } = resume;
    const texts = this.compiled(campaign);
    const jobId = whatsappId === null ? null : senderJobPrefix(whatsappId);
    for (;;) {
      if (c.contactListId === null) break;
      const page = await store.expandPage({
        campaignId: c.id,
        listId: c.contactListId,
        after,
        lastItemId: c.lastItemId,
        limit: PAGE,
        position,
        start: new Date(start),
        pacing: c.pacing,
        jobId,
        ...texts,
        // Drawn for the snapshot's items only, so a page draws what filler() would.
        picks: this.picks(texts, Math.min(PAGE, Math.max(0, c.shippingsLeft - position))),
      });
      if (page.items === 0 || page.through === null) break;
      if (after === resume.after) await this.armSender(whatsappId, c.companyId, start);
      after = page.through;
      position += page.items;
      await store.expansionProgress(c.id, after, position);
    }
    await store.markExpandedCounting(c.id, now);
    const finished = await store.finishIfDone(c.id, now);
    if (!finished) await this.armSender(whatsappId, c.companyId, start);
    return { ...result, contacts: position - resume.position, finished };
  }

  /**
   * The campaign's candidate messages (and confirmation requests in confirmation mode): the
   * non-empty ones, in order, compiled with its custom variables and marked U+200C, as filler()
   * renders them one contact at a time.
   */
  private compiled(c: Omit<CampaignForPrepare, "item">): {
    messages: CampaignMessagePart[][];
    confirmations: CampaignMessagePart[][] | null;
  } {
    const custom = parseCampaignVariables(c.variables);
    const compile = (texts: readonly (string | null)[]) =>
      candidates(texts).map((t) => [
        markMessage(CAMPAIGN_MESSAGE_MARK, ""),
        ...compileCampaignMessage(t, custom),
      ]);
    return {
      messages: compile(c.messages),
      confirmations: c.confirmation ? compile(c.confirmationMessages) : null,
    };
  }

  /**
   * The picks of `n` contacts, drawn as filler() draws them (for each contact its message, then
   * its confirmation request; nothing drawn where there is no candidate).
   */
  private picks(
    texts: { messages: readonly unknown[]; confirmations: readonly unknown[] | null },
    n: number,
  ): { message: number[]; confirmation: number[] } {
    const message: number[] = [];
    const confirmation: number[] = [];
    for (let i = 0; i < n; i++) {
      message.push(this.pickIndex(texts.messages.length) ?? 0);
      if (texts.confirmations !== null) {
        confirmation.push(this.pickIndex(texts.confirmations.length) ?? 0);
      }
    }
    return { message, confirmation };
  }

  /** Arms the connection's sender for `dueAt` (now if that has passed). */
  private async armSender(
    whatsappId: number | null,
    companyId: number,
    dueAtMs: number,
  ): Promise<void> {
    if (whatsappId === null) return;
    await this.deps.queue.addBulk("DispatchCampaign", [
      this.senderArm(whatsappId, companyId, dueAtMs),
    ]);
  }

  private senderArm(whatsappId: number, companyId: number, dueAtMs: number): CampaignJob {
    const nowMs = Date.now();
    return senderJob(whatsappId, companyId, Math.max(nowMs, dueAtMs - DISPATCH_LEAD_MS), nowMs);
  }

  /**
   * A shipping row maker for the campaign: one of the non-empty messages at random (and of the
   * confirmation messages in confirmation mode), the contact's and the custom variables filled
   * (the producer's `variables`, then the company's), marked U+200C.
   */
  private filler(
    c: Omit<CampaignForPrepare, "item">,
    variables: readonly { key: string; value: string }[],
  ): (item: ContactItem, dueAt: Date, jobId: string | null) => NewShipping {
    const custom = {
      ...Object.fromEntries(variables.map((v) => [v.key, v.value])),
      ...parseCampaignVariables(c.variables),
    };
    return (item, dueAt, jobId) => {
      const vars = { nome: item.name, email: item.email, numero: item.number, custom };
      const fill = (texts: readonly (string | null)[]) => {
        const picked = this.pick(texts);
        return picked === null
          ? null
          : markMessage(CAMPAIGN_MESSAGE_MARK, renderCampaignMessage(picked, vars));
      };
      return {
        campaignId: c.id,
        contactId: item.id,
        number: item.number,
        message: fill(c.messages) ?? "",
        confirmationMessage: c.confirmation ? fill(c.confirmationMessages) : null,
        dueAt,
        jobId,
      };
    };
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
    const dueAt = data.dueAt ? new Date(data.dueAt) : new Date(now.getTime() + (data.delay ?? 0));
    if (Number.isNaN(dueAt.getTime())) {
      throw new ChatiaError("CF_NODE_INPUT", `dueAt ${JSON.stringify(data.dueAt)} is not a date`);
    }
    const { whatsappId } = c;
    const jobId =
      whatsappId === null ? dispatchJobId(c.id, c.item.id) : senderJobPrefix(whatsappId);
    const row = this.filler(c, data.variables ?? [])(c.item, dueAt, jobId);
    const state = await store.upsertShipping(row);
    if (state.deliveredAt || state.failedAt || state.confirmationRequestedAt) {
      return { ...ids, skipped: "settled" };
    }
    const due = (state.dueAt ?? dueAt).getTime();
    // Without a connection the per-shipping job fails the shipping visibly (CF_CAMPAIGN_INVALID).
    const dispatch =
      whatsappId === null
        ? dispatchJob(c.id, state.id, c.item.id, due - DISPATCH_LEAD_MS - now.getTime())
        : this.senderArm(whatsappId, c.companyId, due);
    return { ...ids, shippingId: state.id, dispatch: this.deps.queue.place(dispatch) };
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
    const fill = this.filler(c, data.variables ?? []);
    const rows: Omit<NewShipping, "jobId">[] = [];
    for (const contact of data.contacts) {
      const item = found.get(contact.contactId);
      if (item === undefined || item.id > last) continue;
      const dueAt = new Date(contact.dueAt);
      if (Number.isNaN(dueAt.getTime())) {
        throw new ChatiaError(
          "CF_NODE_INPUT",
          `dueAt ${JSON.stringify(contact.dueAt)} is not a date`,
        );
      }
      rows.push(fill(item, dueAt, null));
    }
    const { whatsappId } = c;
    if (whatsappId !== null) {
      const jobId = senderJobPrefix(whatsappId);
      const states = await store.upsertShippings(rows.map((row) => ({ ...row, jobId })));
      const pending = states.filter(
        (st) => !(st.deliveredAt || st.failedAt || st.confirmationRequestedAt),
      );
      const first = Math.min(...pending.map((st) => (st.dueAt ?? now).getTime()));
      const dispatches =
        pending.length === 0
          ? []
          : [this.deps.queue.place(this.senderArm(whatsappId, c.companyId, first))];
      const prepared = pending.length;
      const result = { campaignId: c.id, companyId: c.companyId, prepared, dispatches };
      return { ...result, skipped: ids.length - prepared, finished };
    }
    return { ...(await this.preparePerShipping(c.id, data, rows, now)), finished };
  }

  /**
   * A page of a campaign without a connection: a DispatchCampaign job per shipping, as earlier
   * versions made, which fails it visibly (CF_CAMPAIGN_INVALID).
   */
  private async preparePerShipping(
    campaignId: number,
    data: PreparePageData,
    rows: readonly Omit<NewShipping, "jobId">[],
    now: Date,
  ): Promise<Omit<PreparePageResult, "finished">> {
    const withJobs = rows.map((row) => ({
      ...row,
      jobId: dispatchJobId(campaignId, row.contactId),
    }));
    const dispatches = (await this.deps.store.upsertShippings(withJobs))
      .filter((st) => !(st.deliveredAt || st.failedAt || st.confirmationRequestedAt))
      .map((st) =>
        this.deps.queue.place(
          dispatchJob(campaignId, st.id, st.contactId, (st.dueAt ?? now).getTime() - now.getTime()),
        ),
      );
    const prepared = dispatches.length;
    return { campaignId, prepared, dispatches, skipped: data.contacts.length - prepared };
  }

  /** Runs a connection's sender: what is due of its running campaigns (campaign-sender.ts). */
  dispatchSender(data: SenderData, now: () => Date = () => new Date()): Promise<SenderResult> {
    return this.sender.run(data, now);
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
    const found = candidates(texts);
    const index = this.pickIndex(found.length);
    return index === null ? null : (found[index] ?? null);
  }

  /** One of `n` candidates at random; null (nothing drawn) when there are none. */
  private pickIndex(n: number): number | null {
    if (n === 0) return null;
    const random = this.deps.random ?? Math.random;
    return Math.min(n - 1, Math.floor(random() * n));
  }
}

function loaded(c: CampaignExpansion): LoadedCampaign {
  return {
    id: c.id,
    companyId: c.companyId,
    status: c.status,
    contactListId: c.contactListId,
    whatsappId: c.whatsappId,
    shippingsLeft: c.shippingsLeft ?? 0,
    lastItemId: c.lastItemId ?? 0,
    pacedFrom: (c.pacedFrom ?? new Date()).toISOString(),
    expanded: c.expandedAt !== null,
    pacing: parsePacing(c.settings ?? {}),
    started: c.started,
  };
}

/** The messages a campaign picks from: the non-empty ones, in order. */
function candidates(texts: readonly (string | null)[]): string[] {
  return texts.filter((t): t is string => typeof t === "string" && t.trim() !== "");
}
