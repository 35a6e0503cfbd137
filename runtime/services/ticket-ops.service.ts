// The ticket crons' domain operations (QueueMonitor/VerifyQueueStatus, DistributeTickets,
// MoveKanbanLanes, CloseInactiveTickets), set-based: a step takes or returns a whole set of
// tickets in a few statements, whatever the number of companies, and still tells each company's
// frontend about each of its tickets. Every update is guarded by the version a ticket was found
// at, so overlapping runs (two workers, a retry) change a ticket once.
import type {
  Attendant,
  AttendantCriteria,
  BoardStore,
  CompanyCriteria,
  FoundCompany,
  LaneMove,
} from "./ports/board-store";
import type { CompanyEvents } from "./ports/events";
import type {
  FoundTicket,
  TicketCriteria,
  TicketOpsStore,
  TicketStatus,
  TicketView,
} from "./ports/ticket-ops-store";

export type {
  Attendant,
  AttendantCriteria,
  CompanyCriteria,
  FoundCompany,
  FoundTicket,
  LaneMove,
  TicketCriteria,
};

/** A ticket as a step receives it: at least its id, company and the version it was found at. */
export type TicketRef = Partial<FoundTicket> & {
  readonly id: number;
  readonly companyId: number;
  readonly stamp: string;
  /** Set by pickAttendants: the attendant chosen for it. */
  readonly pickedUserId?: number;
};

export interface TicketUpdate {
  /** @defaultValue unchanged */
  readonly status?: TicketStatus;
  /** `redirect`: each ticket's `redirectQueueId` (tickets without one are skipped). @defaultValue "keep" */
  readonly queue?: "keep" | "redirect" | "none" | number;
  /** `picked`: each ticket's `pickedUserId` (tickets without one are skipped). @defaultValue "keep" */
  readonly user?: "keep" | "picked" | "none" | number;
  /** Close: status closed, closedAt now, unreadMessages 0. @defaultValue false */
  readonly close?: boolean;
  /**
   * The `company-<id>-ticket` event per changed ticket: `update` sends `{action, ticket, ticketId}`,
   * `delete` sends `{action, ticketId}` (the ticket leaves the board). @defaultValue "update"
   */
  readonly emit?: "update" | "delete" | "none";
}

/** A changed ticket: its view (as emitted) with what later steps use from the found ticket. */
export type ChangedTicket = TicketView & {
  readonly stamp: string;
  readonly number: string | null;
  readonly farewell: string | null;
  readonly previousUserId: number | null;
};

export interface TicketOpsDeps {
  readonly tickets: TicketOpsStore;
  readonly board: BoardStore;
  readonly events: CompanyEvents;
}

export class TicketOpsService {
  constructor(private readonly deps: TicketOpsDeps) {}

  findCompanies(criteria: CompanyCriteria): Promise<FoundCompany[]> {
    return this.deps.board.findCompanies(criteria);
  }

  /** Tickets matching `criteria` at `now`, oldest first, across the companies asked for. */
  findTickets(criteria: TicketCriteria, now: Date): Promise<FoundTicket[]> {
    return this.deps.tickets.findTickets(criteria, now);
  }

  findAttendants(criteria: AttendantCriteria): Promise<Attendant[]> {
    return this.deps.board.findAttendants(criteria);
  }

  /**
   * Each ticket with a queue gets `pickedUserId`: a random attendant of its queue who is online
   * and of profile `user`, other than its current one. Tickets with no such attendant are left out.
   */
  async pickAttendants<T extends TicketRef>(
    tickets: readonly T[],
  ): Promise<(T & { pickedUserId: number })[]> {
    const requests = tickets.flatMap((t) =>
      typeof t.queueId === "number"
        ? [{ ticketId: t.id, companyId: t.companyId, queueId: t.queueId, userId: t.userId ?? null }]
        : [],
    );
    const picks = await this.deps.board.pickAttendants(requests);
    return tickets.flatMap((t) => {
      const pickedUserId = picks.get(t.id);
      return pickedUserId === undefined ? [] : [{ ...t, pickedUserId }];
    });
  }

  /**
   * Applies `update` to every ticket still at the version it was found at (others changed in the
   * meantime and are skipped), in one statement; emits one event per changed ticket to its company.
   */
  async updateTickets(
    tickets: readonly TicketRef[],
    update: TicketUpdate,
    now: Date,
  ): Promise<ChangedTicket[]> {
    const rows = tickets.flatMap((t) => {
      const queueId = targetQueue(t, update.queue ?? "keep");
      const userId = targetUser(t, update.user ?? "keep");
      if (queueId === undefined || userId === undefined) return [];
      return [{ id: t.id, companyId: t.companyId, stamp: t.stamp, queueId, userId }];
    });
    const change = {
      ...(update.status === undefined ? {} : { status: update.status }),
      setQueue: (update.queue ?? "keep") !== "keep",
      setUser: (update.user ?? "keep") !== "keep",
      close: update.close === true,
    };
    const updated = await this.deps.tickets.updateTickets(rows, change, now);
    const byId = new Map(tickets.map((t) => [t.id, t]));
    const changed = updated.map(({ ticket, stamp }) => {
      const found = byId.get(ticket.id);
      return {
        ...ticket,
        stamp,
        number: found?.number ?? null,
        farewell: found?.farewell ?? null,
        previousUserId: found?.userId ?? null,
      };
    });
    this.emitChanged(changed, update.emit ?? "update");
    return changed;
  }

  /** One LogTickets row of `type` per ticket, with its current user and queue. */
  logTickets(tickets: readonly TicketRef[], type: string, now: Date): Promise<number> {
    if (type.trim() === "") throw new RangeError("a log type is needed");
    const rows = tickets.map((t) => ({
      ticketId: t.id,
      userId: t.userId ?? null,
      queueId: t.queueId ?? null,
    }));
    return this.deps.tickets.logTickets(type, rows, now);
  }

  /**
   * Kanban: in `companyIds`, open tickets whose last message was the company's (`fromMe`), in a
   * lane with `timeLane` > 0 and a `nextLaneId`, unchanged for that many hours, move to the next
   * lane, once; the move sets the ticket's `updatedAt`, so the next lane's hours count from it.
   */
  async moveLanes(
    companyIds: readonly number[],
    now: Date,
  ): Promise<(LaneMove & { readonly stamp: string })[]> {
    const moves = await this.deps.board.moveLanes(companyIds, now);
    // The move's instant tells this lane greeting apart from later ones (idempotency keys).
    return moves.map((m) => ({ ...m, stamp: String(now.getTime()) }));
  }

  private emitChanged(changed: readonly ChangedTicket[], emit: "update" | "delete" | "none"): void {
    if (emit === "none") return;
    for (const ticket of changed) {
      const { stamp: _s, number: _n, farewell: _f, previousUserId: _p, ...view } = ticket;
      const payload =
        emit === "delete"
          ? { action: "delete", ticketId: ticket.id }
          : { action: "update", ticket: view, ticketId: ticket.id };
      this.deps.events.emit(ticket.companyId, "ticket", payload);
    }
  }
}

function targetQueue(
  t: TicketRef,
  queue: NonNullable<TicketUpdate["queue"]>,
): number | null | undefined {
  if (queue === "keep") return t.queueId ?? null;
  if (queue === "none") return null;
  if (queue === "redirect") return t.redirectQueueId ?? undefined;
  return queue;
}

function targetUser(
  t: TicketRef,
  user: NonNullable<TicketUpdate["user"]>,
): number | null | undefined {
  if (user === "keep") return t.userId ?? null;
  if (user === "none") return null;
  if (user === "picked") return t.pickedUserId;
  return user;
}
