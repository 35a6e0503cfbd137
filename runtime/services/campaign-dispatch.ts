// DispatchCampaign: sends one campaign shipping at most once and settles it; a batch job does the
// same for each of its shippings in turn (read in one statement).
//
//   load shipping ─▶ campaign CANCELADA / already settled / awaiting confirmation: skip
//     ├ confirmation asked, not answered ─▶ send the request (key …:confirmation), confirmationRequestedAt
//     └ send the message: text │ media with caption │ audio: the text, then the audio (key …:audio)
//          ─▶ deliveredAt, its CampaignProgress shard − 1 in the same UPDATE (all 0: FINALIZADA);
//             that UPDATE also marks the ledger key `sent` (one statement after the send)
//   shippings due at one instant (no pacing) that are plain text: dispatchMany sends them as one
//   batch (MessageService.sendMany): one ledger claim and one `sent` + settle statement for all
//   a user error (no text nor media, missing media, bad number, deleted connection, a send in
//   doubt) settles the shipping as failed with the reason; operational errors (connection
//   DISCONNECTED, WhatsApp down) are thrown, so the job is retried per the manifest.

import { ChatiaError } from "../errors";
import { type BatchShipping, type CampaignQueue, dispatchBatchJob } from "./campaign-jobs";
import { SENDER_LEASE_MS, type SenderLease, type SenderLeases } from "./campaign-sender";
import { type MediaKind, resolveMediaFile } from "./media-file";
import type { MessageService } from "./message.service";
import type { CampaignProgress, CampaignStore, ShippingForDispatch } from "./ports/campaign-store";
import { TICKET_STATUSES, type TicketStatus } from "./ports/enums";
import type { TicketService } from "./ticket.service";

export interface DispatchData {
  readonly campaignId: number;
  readonly campaignShippingId: number;
  readonly contactListItemId?: number;
}

/** A DispatchCampaign job of several shippings due together (campaign-jobs.ts). */
export interface DispatchBatchData {
  readonly campaignId: number;
  readonly shippings: readonly {
    readonly campaignShippingId: number;
    readonly contactListItemId?: number;
  }[];
}

export type DispatchOutcome = "delivered" | "failed" | "confirmation-requested" | "skipped";

export interface DispatchResult {
  readonly campaignId: number;
  readonly shippingId: number;
  readonly companyId?: number;
  readonly outcome: DispatchOutcome;
  /** Why it was skipped or failed (`CODE: message` for a failure). */
  readonly reason?: string;
  /** True when an earlier attempt had sent it (nothing was sent now). */
  readonly alreadySent?: boolean;
  /** The campaign after the shipping settled. */
  readonly progress?: Pick<CampaignProgress, "finished">;
  /** Whether the frontend should hear of it now: status changes always, progress at most 1/s. */
  readonly emit: boolean;
}

export interface DispatchBatchResult {
  readonly campaignId: number;
  readonly companyId?: number;
  /** How many shippings the batch held. */
  readonly shippings: number;
  /** How many of them ended each way. */
  readonly outcomes: Readonly<Record<DispatchOutcome, number>>;
  /** How many were handed on to a job of their own (the batch ran out of time). */
  readonly handedOn: number;
  /** The ones that failed, with why (`CODE: message`). */
  readonly failures: readonly { readonly shippingId: number; readonly reason: string }[];
  /** Whether one of them finished the campaign. */
  readonly progress: Pick<CampaignProgress, "finished">;
  /** Whether the frontend should hear of it now (as for one shipping). */
  readonly emit: boolean;
}

export interface DispatcherDeps {
  readonly store: CampaignStore;
  readonly messages: Pick<MessageService, "send" | "sendMany">;
  /** Open-ticket mode: the recipient's ticket, and the messages recorded on it. */
  readonly tickets: Pick<TicketService, "findOrOpenTicket" | "recordMessage">;
  readonly mediaDir: string;
  /** Where the rest of a batch that ran out of time goes, as a job of its own. */
  readonly queue: Pick<CampaignQueue, "addBulk">;
  /**
   * The connections' sender leases (campaign-sender.ts): a DispatchCampaign job of one shipping
   * or a batch (the per-contact form of earlier versions and of other producers) sends under its
   * connection's lease, so it never races the connection's sender for the same shipping.
   */
  readonly leases?: SenderLeases;
  /**
   * A batch starts no send after running this long: the rest becomes a DispatchCampaign job of
   * its own, so that a slow WhatsApp cannot push a batch past its job's timeout (300 s by
   * default; a send itself times out after 30 s). @defaultValue 120000
   */
  readonly batchBudgetMs?: number;
}

/** One message of a shipping: its text or media, and its ledger key. */
interface Part {
  readonly body: string;
  readonly key: string;
  readonly kind: "chat" | MediaKind;
  readonly mediaPath?: string;
  readonly mediaUrl?: string;
}

/** Progress events per campaign at most this often (status changes are always emitted). */
const PROGRESS_EVERY_MS = 1000;
/** How long a per-shipping job waits for its connection's sender lease before it is retried. */
const LEASE_WAIT_MS = 20_000;

export class ShippingDispatcher {
  /** When this process last emitted each running campaign's progress. */
  private readonly lastEmit = new Map<number, number>();

  constructor(private readonly deps: DispatcherDeps) {}

  async dispatch(data: DispatchData, now: () => Date): Promise<DispatchResult> {
    const load = () => this.deps.store.loadForDispatch(data.campaignShippingId);
    return this.underLease(await load(), load, (s) =>
      this.dispatchLoaded(data.campaignId, data.campaignShippingId, s, now),
    );
  }

  /**
   * Runs `work` on the rows `load` reads under the lease of their connection's sender (read
   * again once it is held: the sender may have settled them meanwhile). Rows without a
   * connection, or a dispatcher without leases, run as they are.
   */
  private async underLease<R, T>(
    first: R,
    load: () => Promise<R>,
    work: (rows: R) => Promise<T>,
  ): Promise<T> {
    const row = Array.isArray(first) ? (first[0] as ShippingForDispatch | undefined) : first;
    const whatsappId = (row as ShippingForDispatch | null | undefined)?.whatsappId ?? null;
    const { leases } = this.deps;
    if (leases === undefined || whatsappId === null) return work(first);
    const lease = await waitForLease(leases, whatsappId);
    try {
      return await work(await load());
    } finally {
      await lease.release();
    }
  }

  /**
   * A batch's shippings, read in one statement and sent one after another in the batch's order,
   * each at its due time and at most once, as dispatch() sends one. An operational error stops
   * the batch and is thrown (the job is retried: the settled ones are skipped then).
   */
  async dispatchBatch(data: DispatchBatchData, now: () => Date): Promise<DispatchBatchResult> {
    const ids = data.shippings.map((s) => s.campaignShippingId);
    const load = () => this.deps.store.loadManyForDispatch(ids);
    return this.underLease(await load(), load, (rows) => this.sendBatch(data, ids, rows, now));
  }

  private async sendBatch(
    data: DispatchBatchData,
    ids: readonly number[],
    rows: readonly ShippingForDispatch[],
    now: () => Date,
  ): Promise<DispatchBatchResult> {
    const found = new Map(rows.map((s) => [s.id, s]));
    const outcomes: Record<DispatchOutcome, number> = {
      delivered: 0,
      failed: 0,
      "confirmation-requested": 0,
      skipped: 0,
    };
    const failures: { shippingId: number; reason: string }[] = [];
    let companyId: number | undefined;
    let finished = false;
    let emit = false;
    let handedOn = 0;
    const stopAt = Date.now() + (this.deps.batchBudgetMs ?? 120_000);
    for (const [i, id] of ids.entries()) {
      if (i > 0 && Date.now() >= stopAt) {
        const rest = ids.slice(i).flatMap((shippingId) => {
          const item = found.get(shippingId)?.contactId;
          return item === undefined
            ? []
            : [{ campaignShippingId: shippingId, contactListItemId: item }];
        });
        handedOn = await this.handOn(data.campaignId, rest, now());
        break;
      }
      const r = await this.dispatchLoaded(data.campaignId, id, found.get(id) ?? null, now);
      outcomes[r.outcome]++;
      if (r.outcome === "failed") failures.push({ shippingId: id, reason: r.reason ?? "" });
      companyId = r.companyId ?? companyId;
      finished = finished || r.progress?.finished === true;
      emit = emit || r.emit;
    }
    return {
      campaignId: data.campaignId,
      ...(companyId === undefined ? {} : { companyId }),
      shippings: ids.length,
      outcomes,
      failures,
      handedOn,
      progress: { finished },
      emit,
    };
  }

  /**
   * Hands the rest of a batch on to a DispatchCampaign job of its own (the id of its first
   * shipping's, `…-rest`), which their rows then name; returns how many.
   */
  private async handOn(
    campaignId: number,
    rest: readonly BatchShipping[],
    now: Date,
  ): Promise<number> {
    const [lead] = rest;
    if (lead === undefined) return 0;
    const job = dispatchBatchJob(campaignId, lead.contactListItemId, rest, 0);
    const tail = { ...job, jobId: `${job.jobId}-rest` };
    await this.deps.store.setJobId(
      rest.map((s) => s.campaignShippingId),
      tail.jobId,
      now,
    );
    await this.deps.queue.addBulk("DispatchCampaign", [tail]);
    return rest.length;
  }

  /**
   * Sends loaded shippings of one connection due at the same instant (a campaign without pacing),
   * each at most once, reporting each one's result to `done` as it settles: the plain ones (text,
   * no confirmation, no ticket, connection CONNECTED) together through MessageService.sendMany —
   * one ledger claim and one `sent` + settle statement for them all — and any other, or one whose
   * key an earlier attempt holds, through dispatchLoaded. An operational error is thrown once
   * every shipping of the batch was dealt with (the job is retried: settled ones are skipped).
   */
  async dispatchMany(
    rows: readonly ShippingForDispatch[],
    now: () => Date,
    done: (result: DispatchResult) => void,
  ): Promise<void> {
    const plain = rows.filter(isPlain);
    const single = rows.filter((s) => !isPlain(s));
    const [lead] = plain;
    let failure: { error: unknown } | undefined;
    const alone = async (s: ShippingForDispatch) => {
      try {
        done(await this.dispatchLoaded(s.campaignId, s.id, s, now));
      } catch (error) {
        failure ??= { error };
      }
    };
    if (lead !== undefined) {
      const byKey = new Map(plain.map((s) => [shippingKey(s), s]));
      const finished = new Set<number>();
      const outcomes = await this.deps.messages.sendMany(
        plain.map((s) => ({
          whatsappId: lead.whatsappId as number,
          number: s.number,
          isGroup: s.isGroup,
          body: s.message,
          idempotencyKey: shippingKey(s),
        })),
        {
          companyId: lead.companyId,
          ...(lead.dueAt === null ? {} : { notBefore: lead.dueAt.getTime() }),
          recordSent: async (sent) => {
            const at = now();
            const settled = await this.deps.store.settleSentMany(
              sent.map((x) => ({
                ...x,
                shippingId: (byKey.get(x.key) as ShippingForDispatch).id,
                campaignId: (byKey.get(x.key) as ShippingForDispatch).campaignId,
              })),
              at,
            );
            for (const id of settled.finished) finished.add(id);
            return settled.sent;
          },
        },
      );
      for (const [i, outcome] of outcomes.entries()) {
        const s = plain[i] as ShippingForDispatch;
        if (outcome.kind === "unclaimed") {
          single.push(s);
          continue;
        }
        const at = now();
        if (outcome.kind === "sent") {
          const done_ = finished.has(s.campaignId);
          finished.delete(s.campaignId);
          done({
            campaignId: s.campaignId,
            shippingId: s.id,
            companyId: s.companyId,
            outcome: "delivered",
            alreadySent: false,
            progress: { finished: done_ },
            emit: this.shouldEmit(s.campaignId, done_, at.getTime()),
          });
          continue;
        }
        const { error } = outcome;
        if (!(error instanceof ChatiaError) || error.kind !== "user") {
          failure ??= { error };
          continue;
        }
        const reason = `${error.code}: ${error.message}`;
        const progress = await this.deps.store.settle(s.id, { kind: "failed", at, reason }, at);
        done({
          campaignId: s.campaignId,
          shippingId: s.id,
          ...(await this.progressOf(s, progress, at)),
          outcome: "failed",
          reason,
        });
      }
    }
    for (const s of single) await alone(s);
    if (failure !== undefined) throw failure.error;
  }

  /** Sends one loaded shipping at most once and settles it (the caller holds its connection). */
  async dispatchLoaded(
    campaignId: number,
    shippingId: number,
    s: ShippingForDispatch | null,
    now: () => Date,
  ): Promise<DispatchResult> {
    const ids = { campaignId, shippingId };
    if (s === null) {
      // Removed with its list item: forgotten by the database then, and it may have been the
      // last one the campaign waited for.
      const finished = await this.deps.store.finishIfDone(campaignId, now());
      return {
        ...ids,
        outcome: "skipped",
        reason: "missing",
        progress: { finished },
        emit: finished,
      };
    }
    const skip = (reason: string): DispatchResult => ({
      ...ids,
      companyId: s.companyId,
      outcome: "skipped",
      reason,
      emit: false,
    });
    if (s.campaignStatus === "CANCELADA") return skip("cancelled");
    if (s.deliveredAt !== null || s.failedAt !== null) return skip("settled");
    const confirming = s.campaignConfirmation && s.confirmation === null;
    if (confirming && s.confirmationRequestedAt !== null) return skip("awaiting confirmation");
    let alreadySent: boolean;
    /** Set when the send's own statement delivered the shipping (ledger `sent` with it). */
    const delivered: { at?: Date; progress?: CampaignProgress | null } = {};
    try {
      if (s.whatsappId === null) {
        throw new ChatiaError("CF_CAMPAIGN_INVALID", `campaign ${s.campaignId} has no connection`);
      }
      if (confirming) {
        const sent = await this.requestConfirmation(s, s.whatsappId);
        await this.deps.store.markConfirmationRequested(s.id, now());
        return { ...ids, companyId: s.companyId, outcome: "confirmation-requested", ...sent };
      }
      alreadySent = await this.sendMessage(s, s.whatsappId, now, delivered);
    } catch (err) {
      if (!(err instanceof ChatiaError) || err.kind !== "user") throw err;
      const reason = `${err.code}: ${err.message}`;
      const at = now();
      const progress = await this.deps.store.settle(s.id, { kind: "failed", at, reason }, at);
      return { ...ids, ...(await this.progressOf(s, progress, at)), outcome: "failed", reason };
    }
    if (delivered.at !== undefined && delivered.progress !== undefined) {
      const { at, progress } = delivered;
      return {
        ...ids,
        ...(await this.progressOf(s, progress, at)),
        outcome: "delivered",
        alreadySent,
      };
    }
    const at = now();
    const progress = await this.deps.store.settle(s.id, { kind: "delivered", at }, at);
    return {
      ...ids,
      ...(await this.progressOf(s, progress, at)),
      outcome: "delivered",
      alreadySent,
    };
  }

  private async requestConfirmation(
    s: ShippingForDispatch,
    whatsappId: number,
  ): Promise<{ alreadySent: boolean; emit: false }> {
    const body = s.confirmationMessage ?? "";
    if (body.trim() === "") {
      throw new ChatiaError("CF_CAMPAIGN_INVALID", "the campaign has no confirmation message");
    }
    const key = `${shippingKey(s)}:confirmation`;
    const alreadySent = await this.sendPart(s, whatsappId, { body, key, kind: "chat" });
    return { alreadySent, emit: false };
  }

  /**
   * Sends the message proper; true when every part had been sent by an earlier attempt. Unless
   * the message goes on a ticket (recorded after the send), the last part's ledger `sent` and the
   * shipping's `deliveredAt` are one statement, noted in `delivered`.
   */
  private async sendMessage(
    s: ShippingForDispatch,
    whatsappId: number,
    now: () => Date,
    delivered: { at?: Date; progress?: CampaignProgress | null },
  ): Promise<boolean> {
    let all = true;
    const parts = await this.parts(s);
    for (const [i, part] of parts.entries()) {
      const last = i === parts.length - 1 && s.openTicket !== "enabled";
      const recordSent = last
        ? async (ledger: { key: string; wid: string; sentAt: Date }) => {
            const at = now();
            delivered.progress = await this.deps.store.settleSent(s.id, ledger, at, at);
            delivered.at = at;
          }
        : undefined;
      all = (await this.sendPart(s, whatsappId, part, recordSent)) && all;
    }
    return all;
  }

  /** What goes out, in order: text; media with the text as caption; or the text, then audio. */
  private async parts(s: ShippingForDispatch): Promise<Part[]> {
    const key = shippingKey(s);
    const text = s.message.trim() === "" ? "" : s.message;
    if (s.mediaPath === null || s.mediaPath === "") {
      if (text === "") {
        throw new ChatiaError("CF_CAMPAIGN_INVALID", "the campaign has no message text or media");
      }
      return [{ body: text, key, kind: "chat" }];
    }
    // Resolved first, so that a missing file fails the shipping before any part is sent.
    const media = await resolveMediaFile(this.deps.mediaDir, s.companyId, s.mediaPath);
    const file = { mediaPath: s.mediaPath, mediaUrl: media.relativePath, kind: media.kind };
    if (media.kind !== "audio") return [{ body: text, key, ...file }];
    // WhatsApp shows no caption on audio: the text goes first, as in the original.
    const audio: Part = { body: "", key: `${key}:audio`, ...file };
    return text === "" ? [audio] : [{ body: text, key, kind: "chat" }, audio];
  }

  /**
   * Sends one part at most once; in open-ticket mode it goes on the contact's ticket (a new one
   * with the campaign's queue, attendant and status), once per WhatsApp id, retries included.
   */
  private async sendPart(
    s: ShippingForDispatch,
    whatsappId: number,
    part: Part,
    recordSent?: (ledger: { key: string; wid: string; sentAt: Date }) => Promise<void>,
  ): Promise<boolean> {
    const sent = await this.deps.messages.send({
      whatsappId,
      number: s.number,
      isGroup: s.isGroup,
      companyId: s.companyId,
      body: part.body,
      mediaPath: part.mediaPath ?? null,
      idempotencyKey: part.key,
      // The campaign's own pacing (CampaignSettings) spaces these sends: each at its due time.
      paced: false,
      ...(s.dueAt === null ? {} : { notBefore: s.dueAt.getTime() }),
      record: false,
      // Read with the shipping (one statement fewer per send).
      connection: s.connection,
      ...(recordSent === undefined ? {} : { recordSent }),
    });
    if (s.openTicket === "enabled") {
      const { ticket } = await this.deps.tickets.findOrOpenTicket({
        companyId: s.companyId,
        whatsappId,
        number: s.number,
        isGroup: s.isGroup,
        queueId: s.queueId,
        userId: s.userId,
        status: ticketStatus(s.statusTicket),
      });
      await this.deps.tickets.recordMessage({
        companyId: s.companyId,
        ticketId: ticket.id,
        wid: sent.wid,
        body: part.body,
        mediaType: part.kind,
        mediaUrl: part.mediaUrl ?? null,
        remoteJid: sent.jid,
      });
    }
    return sent.alreadySent;
  }

  private async progressOf(s: ShippingForDispatch, progress: CampaignProgress | null, at: Date) {
    // Settled before, or deleted with its list item meanwhile (counted off then): the campaign
    // may have nothing left but had no settlement to finish it.
    const { finished } = progress ?? {
      finished: await this.deps.store.finishIfDone(s.campaignId, at),
    };
    return {
      companyId: s.companyId,
      progress: { finished },
      emit: this.shouldEmit(s.campaignId, finished, at.getTime()),
    };
  }

  private shouldEmit(campaignId: number, finished: boolean, at: number): boolean {
    if (finished) {
      this.lastEmit.delete(campaignId);
      return true;
    }
    const last = this.lastEmit.get(campaignId);
    if (last !== undefined && at - last < PROGRESS_EVERY_MS) return false;
    this.lastEmit.set(campaignId, at);
    return true;
  }
}

/**
 * A shipping MessageService.sendMany can send with others: one text message to a running
 * campaign's contact, no confirmation to ask, no ticket to record it on, through a CONNECTED
 * connection of the campaign's company.
 */
function isPlain(s: ShippingForDispatch): boolean {
  return (
    s.campaignStatus === "EM_ANDAMENTO" &&
    s.deliveredAt === null &&
    s.failedAt === null &&
    !(s.campaignConfirmation && s.confirmation === null) &&
    (s.mediaPath === null || s.mediaPath === "") &&
    s.message.trim() !== "" &&
    s.openTicket !== "enabled" &&
    s.whatsappId !== null &&
    s.connection?.status === "CONNECTED" &&
    s.connection.companyId === s.companyId
  );
}

function ticketStatus(status: string): TicketStatus {
  return (TICKET_STATUSES as readonly string[]).includes(status)
    ? (status as TicketStatus)
    : "pending";
}

/** The ledger key of a shipping: `campaign:<campaignId>:shipping:<contact list item id>`. */
export function shippingKey(s: Pick<ShippingForDispatch, "campaignId" | "contactId">): string {
  return `campaign:${s.campaignId}:shipping:${s.contactId}`;
}

/** Takes the connection's sender lease, waiting for it; CF_CAMPAIGN_SENDER_BUSY after a while. */
async function waitForLease(leases: SenderLeases, whatsappId: number): Promise<SenderLease> {
  const end = Date.now() + LEASE_WAIT_MS;
  for (;;) {
    const lease = await leases.tryTake(whatsappId, SENDER_LEASE_MS);
    if (lease !== null) return lease;
    if (Date.now() > end) {
      throw new ChatiaError(
        "CF_CAMPAIGN_SENDER_BUSY",
        `connection ${whatsappId}'s campaign sender stayed busy for ${LEASE_WAIT_MS} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
