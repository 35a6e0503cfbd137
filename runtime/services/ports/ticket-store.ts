// Contacts, tickets and messages on tickets, as TicketService needs them
// (runtime/adapters/db/repositories/ticket-store.ts implements it in SQL).
import type { TicketStatus } from "./enums";

/** A Tickets row, as the services see it. */
export interface TicketRecord {
  readonly id: number;
  readonly uuid: string;
  readonly status: TicketStatus;
  readonly companyId: number;
  readonly contactId: number;
  readonly whatsappId: number | null;
  readonly queueId: number | null;
  readonly userId: number | null;
  readonly isGroup: boolean;
  readonly lastMessage: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A contact to find by number in a company, or to create (named by its number). */
export interface ContactByNumber {
  readonly companyId: number;
  /** As stored: digits, or a group id. */
  readonly number: string;
  readonly isGroup: boolean;
  /** The connection a new contact is attached to. */
  readonly whatsappId: number | null;
}

export interface ContactRecord {
  readonly id: number;
  readonly companyId: number;
  readonly name: string;
  readonly number: string;
  readonly isGroup: boolean;
}

/** The ticket to reuse or open. */
export interface TicketToOpen {
  readonly companyId: number;
  readonly whatsappId: number;
  readonly contactId: number;
  readonly isGroup: boolean;
  /** Only for a new ticket. */
  readonly queueId: number | null;
  readonly userId: number | null;
  readonly status: TicketStatus;
  readonly now: Date;
}

export interface OpenedTicket {
  readonly ticket: TicketRecord;
  /** True when no open or pending ticket existed and this one was created. */
  readonly created: boolean;
}

/** What `{{name}}`, `{{queue}}`, `{{connection}}`… of a ticket template read. */
export interface TicketFacts {
  readonly ticketId: number;
  readonly companyId: number;
  readonly contactName: string;
  readonly contactNumber: string;
  readonly queueName: string | null;
  readonly connectionName: string | null;
  readonly userName: string | null;
  readonly companyName: string;
  readonly timezone: string;
}

/** A Message to add to a ticket. */
export interface MessageOnTicket {
  readonly ticketId: number;
  readonly companyId: number;
  /** WhatsApp's message id. */
  readonly wid: string;
  readonly body: string;
  readonly fromMe: boolean;
  /** "chat", "image", "video", "audio" or "document". */
  readonly mediaType: string;
  readonly mediaUrl: string | null;
  readonly remoteJid: string | null;
}

export interface RecordedOnTicket {
  readonly messageId: number;
  readonly ticketId: number;
  readonly contactId: number;
  /** False when the ticket already had a message with this wid (nothing was added). */
  readonly created: boolean;
}

export interface TicketStore {
  /** The contact of the company with this id, or null. */
  findContact(companyId: number, contactId: number): Promise<ContactRecord | null>;
  /** Contacts are unique per (companyId, number); returns the existing one's id or a new one's. */
  findOrCreateContact(ref: ContactByNumber): Promise<number>;
  /** The contact's open or pending ticket on the connection (latest first), or a new one as described. */
  findOrOpenTicket(input: TicketToOpen): Promise<OpenedTicket>;
  /** Whether each id given (not null) names a row of the company: queue, user, connection. */
  belongsToCompany(
    companyId: number,
    refs: { queueId: number | null; userId: number | null; whatsappId: number | null },
  ): Promise<{ queue: boolean; user: boolean; whatsapp: boolean }>;
  /** The ticket of the company with this id, or null. */
  findTicket(companyId: number, ticketId: number): Promise<TicketRecord | null>;
  /** The names a ticket template shows, or null when the ticket is not the company's. */
  ticketFacts(companyId: number, ticketId: number): Promise<TicketFacts | null>;
  /**
   * Adds the message to the ticket unless the ticket has one with this wid (then returns it),
   * and makes it the ticket's last message. Null when the ticket is not the company's.
   */
  recordOnTicket(message: MessageOnTicket): Promise<RecordedOnTicket | null>;
}
