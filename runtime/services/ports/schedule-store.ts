// Scheduled messages, as ScheduleService needs them
// (runtime/adapters/db/repositories/schedule-store.ts implements them in SQL).

/** One occurrence of a schedule: the schedule and the `sendAt` it is due at. */
export interface ScheduleOccurrence {
  readonly id: number;
  readonly companyId: number;
  readonly sendAt: Date;
  readonly status: string;
}

/** What a send needs: the schedule, its contact, its author's name and its company's time zone. */
export interface ScheduleForSend extends ScheduleOccurrence {
  readonly body: string;
  readonly whatsappId: number | null;
  readonly openTicket: string;
  /** The ticket a send with `openTicket` opens: its queue, attendant and status. */
  readonly queueId: number | null;
  readonly ticketUserId: number | null;
  readonly statusTicket: string;
  readonly contactId: number;
  readonly mediaPath: string | null;
  readonly assinar: boolean;
  readonly intervalo: number;
  readonly valorIntervalo: number;
  readonly enviarQuantasVezes: number;
  readonly contadorEnvio: number;
  readonly userName: string | null;
  readonly contactName: string;
  readonly contactNumber: string;
  readonly contactIsGroup: boolean;
  readonly timezone: string;
}

export interface ScheduleStore {
  /** PENDENTE, never sent, `sendAt` in [from, to], earliest first, at most `limit`. */
  findPending(from: Date, to: Date, limit: number): Promise<ScheduleOccurrence[]>;
  /** Sets ERRO on PENDENTE, never-sent schedules due before `before`, the reason saying it; returns them. */
  markStale(before: Date, now: Date, staleFor: string): Promise<ScheduleOccurrence[]>;
  /** AGENDADA schedules due in [from, to) (candidates whose send job may be lost). */
  findScheduled(from: Date, to: Date, limit: number): Promise<ScheduleOccurrence[]>;
  /** PENDENTE or AGENDADA at `sendAt` → ERRO with `reason`; false when the occurrence moved on. */
  markError(id: number, sendAt: Date, now: Date, reason: string): Promise<boolean>;
  /**
   * PENDENTE → AGENDADA for each occurrence still PENDENTE at its `sendAt`, in one statement;
   * returns how many changed.
   */
  markAllScheduled(
    occurrences: readonly { readonly id: number; readonly sendAt: Date }[],
    now: Date,
  ): Promise<number>;
  findForSend(id: number): Promise<ScheduleForSend | null>;
  /** The company's default connection (not deleted), else its oldest one; null when none. */
  defaultConnection(companyId: number): Promise<number | null>;
  /** PENDENTE or AGENDADA at `sendAt` → PENDENTE at `nextSendAt` with `contadorEnvio` + 1. */
  reschedule(id: number, sendAt: Date, nextSendAt: Date, now: Date): Promise<boolean>;
  /** PENDENTE or AGENDADA at `sendAt` → ENVIADA, `sentAt` = now. */
  markSent(id: number, sendAt: Date, now: Date): Promise<boolean>;
  /** ERRO → PENDENTE at `sendAt`, reason cleared; false when the schedule is not ERRO. */
  rearm(id: number, sendAt: Date, now: Date): Promise<boolean>;
}
