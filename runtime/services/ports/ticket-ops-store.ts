// The ticket crons' set-based reads and writes, as TicketOpsService needs them
// (runtime/adapters/db/repositories/ticket-ops-store.ts implements them in SQL).

export type TicketStatus = "open" | "pending" | "closed";

/** How long a ticket must have been idle (no change to its row) to be found. */
export type IdleRule =
  | { readonly kind: "none" }
  | { readonly kind: "minutes"; readonly minutes: number }
  /** Its connection's `timeSendQueue` minutes (connections with 0 are left out). */
  | { readonly kind: "connectionTimeSendQueue" }
  /** Its connection's `expiresTicket` hours (connections with 0 are left out). */
  | { readonly kind: "connectionExpiresTicket" }
  /** Its queue's `tempoRoteador` minutes (queues with 0 are left out). */
  | { readonly kind: "queueTempoRoteador" };

export interface TicketCriteria {
  /** @defaultValue any status */
  readonly status?: TicketStatus;
  /** Companies to search. @defaultValue every active company (`Companies.status`) */
  readonly companyIds?: readonly number[];
  /** `none`: no queue; `routed`: a queue with `ativarRoteador` and `tempoRoteador` <> 0. @defaultValue "any" */
  readonly queue?: "any" | "none" | "routed" | number;
  readonly whatsappId?: number;
  /** Only tickets of a live connection whose status is CONNECTED. @defaultValue false */
  readonly connected?: boolean;
  /** @defaultValue { kind: "none" } */
  readonly idle?: IdleRule;
  /** @defaultValue "any" */
  readonly user?: "any" | "with" | "without";
  /** Only tickets carrying this tag. */
  readonly tagId?: number;
  /** Include group tickets. @defaultValue true */
  readonly groups?: boolean;
  /** At most this many, oldest first. @defaultValue no limit */
  readonly limit?: number;
}

/** A found ticket: what the next steps of a flow need, plain data. */
export interface FoundTicket {
  readonly id: number;
  readonly companyId: number;
  readonly status: TicketStatus;
  readonly whatsappId: number | null;
  readonly queueId: number | null;
  readonly userId: number | null;
  readonly contactId: number | null;
  readonly isGroup: boolean;
  readonly updatedAt: string;
  /** "updatedAt" in microseconds since the epoch: the version an update checks. */
  readonly stamp: string;
  /** The contact's number (for messages). */
  readonly number: string | null;
  /** The connection's `sendIdQueue`, when that queue belongs to the ticket's company. */
  readonly redirectQueueId: number | null;
  /** The connection's `expiresInactiveMessage`. */
  readonly farewell: string | null;
}

/** What to change on every ticket of a set; per-ticket values come with each ticket. */
export interface TicketChange {
  readonly status?: TicketStatus;
  /** Set each ticket's `queueId` to its own `queueId` entry (a queue of its company, or null). */
  readonly setQueue?: boolean;
  /** Set each ticket's `userId` to its own `userId` entry (a user of its company, or null). */
  readonly setUser?: boolean;
  /** Close: status closed, closedAt now, unreadMessages 0. */
  readonly close?: boolean;
}

export interface TicketUpdateRow {
  readonly id: number;
  readonly companyId: number;
  readonly stamp: string;
  readonly queueId: number | null;
  readonly userId: number | null;
}

/** A ticket as the frontend knows it (with contact, queue, connection, user and tags). */
export type TicketView = Record<string, unknown> & {
  readonly id: number;
  readonly companyId: number;
};

export interface UpdatedTicket {
  readonly ticket: TicketView;
  /** The new "updatedAt" in microseconds since the epoch. */
  readonly stamp: string;
}

export interface TicketLogRow {
  readonly ticketId: number;
  readonly userId: number | null;
  readonly queueId: number | null;
}

/** What a message on a ticket needs: where to send it and what its template can say. */
export interface TicketMessageContext {
  readonly ticketId: number;
  readonly companyId: number;
  readonly whatsappId: number | null;
  readonly number: string | null;
  readonly isGroup: boolean;
  readonly contactName: string | null;
  readonly queueName: string | null;
  readonly connectionName: string | null;
  readonly userName: string | null;
  readonly companyName: string;
  readonly timezone: string;
  /** The company setting asked for is "enabled". */
  readonly settingEnabled: boolean;
}

/** CompaniesSettings columns a message step may depend on. */
export const MESSAGE_SETTINGS = ["sendGreetingMessageOneQueues"] as const;
export type MessageSetting = (typeof MESSAGE_SETTINGS)[number];

export interface TicketOpsStore {
  findTickets(criteria: TicketCriteria, now: Date): Promise<FoundTicket[]>;
  updateTickets(
    rows: readonly TicketUpdateRow[],
    change: TicketChange,
    now: Date,
  ): Promise<UpdatedTicket[]>;
  logTickets(type: string, rows: readonly TicketLogRow[], now: Date): Promise<number>;
  messageContexts(
    ticketIds: readonly number[],
    setting: MessageSetting | null,
  ): Promise<TicketMessageContext[]>;
}
