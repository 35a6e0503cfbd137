// Scheduled messages (ScheduleMonitor/Verify and SendSacheduledMessages/SendMessage). Postgres is
// the system of record; a Bull job per occurrence (schedule id + sendAt) sends it at its sendAt.
//
//   Verify:  due PENDENTE ─▶ enqueue (deterministic id, delayed to sendAt) ─▶ mark AGENDADA
//            stranded AGENDADA (old, no job) ─▶ enqueue again with the same id
//            stranded AGENDADA whose job failed for good ─▶ ERRO with the job's reason
//   Send:    occurrence still AGENDADA at sendAt? ─▶ [open ticket] ─▶ send (ledger key per occurrence)
//            ─▶ recurring: next sendAt, PENDENTE, counter + 1 │ else ENVIADA
//            user error, or any error on the last attempt: ERRO with the reason

import { ChatiaError } from "../errors";
import type { MessageService, SendResult } from "./message.service";
import type { WithIsoDates } from "./plain-data";
import type { TicketStatus } from "./ports/enums";
import type { ScheduleForSend, ScheduleOccurrence, ScheduleStore } from "./ports/schedule-store";
import { intervalUnit, nextOccurrence, scheduledText } from "./schedule-calendar";
import type { TicketService } from "./ticket.service";

/** The data of a SendSacheduledMessages/SendMessage job (schemas/payloads/send-scheduled-message.json). */
export interface SendScheduledData {
  readonly scheduleId: number;
  /** The occurrence's due time, ISO 8601. */
  readonly sendAt: string;
}

/** One send job to add. */
export interface SendJob {
  readonly data: SendScheduledData;
  readonly jobId: string;
  readonly delayMs: number;
}

/** Where the send jobs go: SendSacheduledMessages/SendMessage in the runtime. */
export interface ScheduleQueue {
  /** Adds the jobs (in one round trip where it can); a job whose `jobId` exists is left as it is. */
  enqueueSends(jobs: readonly SendJob[]): Promise<void>;
  /** What Bull holds for this id: nothing, a job that failed for good (and why), or another job. */
  jobState(jobId: string): Promise<SendJobState>;
}

export type SendJobState =
  | { readonly state: "missing" }
  | { readonly state: "failed"; readonly reason: string }
  | { readonly state: "present" };

export interface SendOptions {
  /**
   * This is the job's last attempt: any error sets the schedule to ERRO with its reason (not
   * only user errors), since no retry will follow. @defaultValue false
   */
  readonly finalAttempt?: boolean;
}

export interface DueOptions {
  /** Schedules due up to this long after `now` are enqueued now, delayed to their sendAt. @defaultValue 60_000 */
  readonly lookAheadMs?: number;
  /** Schedules overdue by more than this are not sent but set to ERRO. @defaultValue 24 h */
  readonly staleAfterMs?: number;
  /** AGENDADA schedules overdue by more than this whose job is gone are enqueued again. @defaultValue 10 min */
  readonly strandedAfterMs?: number;
  /** At most this many schedules per run (the next run takes the rest). @defaultValue 1000 */
  readonly limit?: number;
}

/**
 * A due occurrence, as plain data (it travels in `msg.payload`): `sendAt` is ISO 8601; `status`
 * is PENDENTE, or AGENDADA for a stranded one whose job was lost.
 */
export type DueSchedule = WithIsoDates<ScheduleOccurrence>;

export interface StaleSchedule extends DueSchedule {
  readonly reason: string;
}

export interface DueSchedules {
  readonly due: DueSchedule[];
  /** Set to ERRO now: overdue beyond the staleness limit. */
  readonly stale: StaleSchedule[];
  /** Set to ERRO now: AGENDADA, and their send job failed for good (`reason` is the job's). */
  readonly failed: StaleSchedule[];
}

export type SendScheduledResult =
  | { readonly scheduleId: number; readonly sent: false; readonly reason: "missing" | "obsolete" }
  | {
      readonly scheduleId: number;
      readonly sent: true;
      /** True when an earlier attempt had sent this occurrence: nothing was sent now. */
      readonly alreadySent: boolean;
      readonly messageId?: number;
      /** PENDENTE with the next occurrence, or ENVIADA. */
      readonly status: "PENDENTE" | "ENVIADA";
      readonly nextSendAt?: string;
    };

/** Schedules enqueued and marked per round trip by markAllScheduled. */
const MARK_BATCH = 250;

const DEFAULTS = {
  lookAheadMs: 60_000,
  staleAfterMs: 24 * 3_600_000,
  strandedAfterMs: 10 * 60_000,
  limit: 1000,
};

export interface ScheduleServiceDeps {
  readonly store: ScheduleStore;
  readonly queue: ScheduleQueue;
  readonly messages: Pick<MessageService, "send">;
  /** Opens or reuses the ticket of a schedule with `openTicket` and gives its template values. */
  readonly tickets: Pick<TicketService, "findOrOpenTicket" | "templateVars">;
}

export class ScheduleService {
  constructor(private readonly deps: ScheduleServiceDeps) {}

  /**
   * The occurrences to enqueue at `now`: PENDENTE ones due up to `now + lookAhead` (overdue ones
   * too, within `staleAfter`), and AGENDADA ones overdue by more than `strandedAfter` whose job
   * is gone. PENDENTE ones older than `staleAfter` are set to ERRO and returned as `stale`;
   * AGENDADA ones whose job failed for good are set to ERRO and returned as `failed`.
   */
  async dueSchedules(now: Date, options: DueOptions = {}): Promise<DueSchedules> {
    const o = { ...DEFAULTS, ...options };
    const { store } = this.deps;
    const staleBefore = new Date(now.getTime() - o.staleAfterMs);
    const staleFor = `${Math.round(o.staleAfterMs / 60_000)} min`;
    const staleRows = await store.markStale(staleBefore, now, staleFor);
    const pending = await store.findPending(
      staleBefore,
      new Date(now.getTime() + o.lookAheadMs),
      o.limit,
    );
    const scheduled = await store.findScheduled(
      staleBefore,
      new Date(now.getTime() - o.strandedAfterMs),
      o.limit,
    );
    const stranded: ScheduleOccurrence[] = [];
    const failed: StaleSchedule[] = [];
    for (const s of scheduled) {
      const job = await this.deps.queue.jobState(sendJobId(s.id, s.sendAt));
      if (job.state === "missing") stranded.push(s);
      if (job.state === "failed" && (await store.markError(s.id, s.sendAt, now, job.reason))) {
        failed.push({ ...plain(s), status: "ERRO", reason: job.reason });
      }
    }
    return {
      due: [...pending, ...stranded].map(plain),
      stale: staleRows.map((s) => ({
        ...plain(s),
        reason: `stale: due at ${s.sendAt.toISOString()} and not sent within ${staleFor}`,
      })),
      failed,
    };
  }

  /**
   * Enqueues the occurrence's send job, delayed to its sendAt, then marks it AGENDADA. In this
   * order, a crash in between leaves it PENDENTE and the next run enqueues the same job id again:
   * no loss, no duplicate (SPEC defect 8). Returns the job id.
   */
  async markScheduled(schedule: DueSchedule, now: Date): Promise<string> {
    const [jobId] = await this.markAllScheduled([schedule], now);
    return jobId as string;
  }

  /**
   * markScheduled for many, a batch at a time: the batch's jobs are added in one round trip, then
   * its schedules are marked in one statement — the same order, so the same guarantee. Returns
   * the job ids.
   */
  async markAllScheduled(schedules: readonly DueSchedule[], now: Date): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < schedules.length; i += MARK_BATCH) {
      const batch = schedules.slice(i, i + MARK_BATCH).map((s) => {
        const sendAt = new Date(s.sendAt);
        const data = { scheduleId: s.id, sendAt: sendAt.toISOString() };
        const delayMs = Math.max(0, sendAt.getTime() - now.getTime());
        return { data, jobId: sendJobId(s.id, sendAt), delayMs, id: s.id, sendAt };
      });
      await this.deps.queue.enqueueSends(batch);
      await this.deps.store.markAllScheduled(batch, now);
      ids.push(...batch.map((b) => b.jobId));
    }
    return ids;
  }

  /**
   * Sends one occurrence at most once (ledger key `schedule:<id>:<sendAt ms>`), then moves the
   * schedule on. An occurrence that is no longer the schedule's (sendAt moved, status neither
   * AGENDADA nor PENDENTE) is not sent. User errors — and any error on the final attempt — set the schedule to
   * ERRO with the reason, and are rethrown.
   */
  async sendScheduled(
    data: SendScheduledData,
    now: () => Date = () => new Date(),
    options: SendOptions = {},
  ): Promise<SendScheduledResult> {
    const { store } = this.deps;
    const sendAt = new Date(data.sendAt);
    const s = await store.findForSend(data.scheduleId);
    if (s === null) return { scheduleId: data.scheduleId, sent: false, reason: "missing" };
    // PENDENTE at this sendAt is the same occurrence: Verify enqueues before it marks AGENDADA
    // (crash safety), so a job due at once may start before the mark is committed.
    const current = s.status === "AGENDADA" || s.status === "PENDENTE";
    if (!current || s.sendAt.getTime() !== sendAt.getTime()) {
      return { scheduleId: s.id, sent: false, reason: "obsolete" };
    }
    let result: SendResult;
    let next: Date | null;
    try {
      next = this.nextSendAt(s);
      result = await this.send(s, now());
    } catch (err) {
      const userError = err instanceof ChatiaError && err.kind === "user";
      if (userError || options.finalAttempt === true) {
        await store.markError(s.id, s.sendAt, now(), describeError(err));
      }
      throw err;
    }
    const common = { scheduleId: s.id, sent: true, alreadySent: result.alreadySent } as const;
    const message = result.messageId === undefined ? {} : { messageId: result.messageId };
    if (next !== null) {
      await store.reschedule(s.id, s.sendAt, next, now());
      return { ...common, ...message, status: "PENDENTE", nextSendAt: next.toISOString() };
    }
    await store.markSent(s.id, s.sendAt, now());
    return { ...common, ...message, status: "ENVIADA" };
  }

  /**
   * Sets the occurrence (the schedule at `sendAt`, PENDENTE or AGENDADA) to ERRO with `reason`.
   * False when the schedule has moved on (another sendAt, sent, already ERRO) or is missing.
   */
  markError(data: SendScheduledData, reason: string, now: Date): Promise<boolean> {
    return this.deps.store.markError(data.scheduleId, new Date(data.sendAt), now, reason);
  }

  /**
   * Gives an ERRO schedule another go: PENDENTE at `sendAt` (the next Verify run sends it then,
   * or at once when it is past), its reason cleared. False when the schedule is not ERRO.
   */
  rearm(scheduleId: number, sendAt: Date, now: Date): Promise<boolean> {
    return this.deps.store.rearm(scheduleId, sendAt, now);
  }

  /** The next occurrence of a recurring schedule that has sends left, else null. */
  private nextSendAt(s: ScheduleForSend): Date | null {
    if (s.valorIntervalo <= 0 || s.contadorEnvio >= s.enviarQuantasVezes) return null;
    return nextOccurrence(s.sendAt, intervalUnit(s.intervalo), s.valorIntervalo, s.timezone);
  }

  private async send(s: ScheduleForSend, now: Date): Promise<SendResult> {
    const whatsappId = s.whatsappId ?? (await this.deps.store.defaultConnection(s.companyId));
    if (whatsappId === null) {
      throw new ChatiaError(
        "CF_SCHEDULE_INVALID",
        `company ${s.companyId} has no WhatsApp connection`,
      );
    }
    const ticketId = s.openTicket === "enabled" ? await this.openTicket(s, whatsappId, now) : null;
    const body = scheduledText({
      body: s.body,
      signedBy: s.assinar && s.userName !== null ? s.userName : null,
      variables:
        ticketId === null ? null : await this.deps.tickets.templateVars(s.companyId, ticketId, now),
    });
    return this.deps.messages.send({
      whatsappId,
      number: s.contactNumber,
      body,
      mediaPath: s.mediaPath,
      isGroup: s.contactIsGroup,
      companyId: s.companyId,
      idempotencyKey: `schedule:${s.id}:${s.sendAt.getTime()}`,
      record: ticketId !== null,
      ...(ticketId === null ? {} : { ticketId }),
    });
  }

  /** The contact's open/pending ticket on the connection, or a new one as the schedule says. */
  private async openTicket(s: ScheduleForSend, whatsappId: number, now: Date): Promise<number> {
    const { ticket } = await this.deps.tickets.findOrOpenTicket({
      companyId: s.companyId,
      whatsappId,
      contactId: s.contactId,
      queueId: s.queueId,
      userId: s.ticketUserId,
      status: s.statusTicket as TicketStatus,
      now,
    });
    return ticket.id;
  }
}

/** The Bull job id of an occurrence: the same however often it is enqueued. */
export function sendJobId(scheduleId: number, sendAt: Date): string {
  return `schedule-${scheduleId}-${sendAt.getTime()}`;
}

function describeError(err: unknown): string {
  if (err instanceof ChatiaError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function plain(s: ScheduleOccurrence): DueSchedule {
  return { id: s.id, companyId: s.companyId, sendAt: s.sendAt.toISOString(), status: s.status };
}
