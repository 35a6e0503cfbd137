// Tickets as the bots use them: the contact's current ticket on a connection, or a new one with
// the queue, attendant and status asked for (the original's FindOrCreateTicketService as the
// schedule and campaign handlers call it); the values a ticket template shows; and a message
// recorded on a ticket once per WhatsApp id. Concurrency-safe across processes (TicketStore).

import { ChatiaError } from "../errors";
import type { TicketTemplateVars } from "./message-template";
import type { WithIsoDates } from "./plain-data";
import { TICKET_STATUSES, type TicketStatus } from "./ports/enums";
import type { TicketFacts, TicketRecord, TicketStore } from "./ports/ticket-store";

/** Who the ticket is for: an existing contact, or a number (the contact is created if new). */
export type TicketContact =
  | { readonly contactId: number; readonly number?: undefined; readonly isGroup?: undefined }
  | {
      readonly contactId?: undefined;
      /** Digits with country code (formatting ignored), or a group id. */
      readonly number: string;
      /** @defaultValue false */
      readonly isGroup?: boolean;
    };

export type FindOrOpenTicketInput = TicketContact & {
  readonly companyId: number;
  /** The connection the conversation is on; it must be the company's. */
  readonly whatsappId: number;
  /** Queue of a new ticket. @defaultValue null */
  readonly queueId?: number | null;
  /** Attendant of a new ticket. @defaultValue null */
  readonly userId?: number | null;
  /** Status of a new ticket (`closed` also sets closedAt). @defaultValue "pending" */
  readonly status?: TicketStatus;
  /** The time a new ticket is created at. @defaultValue now */
  readonly now?: Date;
};

/** A ticket as plain data (it travels in `msg`): the store's row, with dates as ISO 8601. */
export type TicketInfo = WithIsoDates<TicketRecord>;

export interface FoundOrOpenedTicket {
  readonly ticket: TicketInfo;
  /** True when the contact had no open or pending ticket on the connection and one was created. */
  readonly created: boolean;
}

/** A message already sent (or received) to put on a ticket's history. */
export interface RecordMessageInput {
  readonly companyId: number;
  readonly ticketId: number;
  /** WhatsApp's message id; a ticket gets one message per wid however often this is called. */
  readonly wid: string;
  readonly body: string;
  /** Sent by us. @defaultValue true */
  readonly fromMe?: boolean;
  /** "chat", "image", "video", "audio" or "document". @defaultValue "chat" */
  readonly mediaType?: string;
  /** The media file's path inside the company's media folder. @defaultValue null */
  readonly mediaUrl?: string | null;
  /** The chat's jid. @defaultValue null */
  readonly remoteJid?: string | null;
}

export interface RecordedMessageInfo {
  readonly messageId: number;
  readonly ticketId: number;
  readonly contactId: number;
  /** False when the ticket already had this wid: nothing was added. */
  readonly created: boolean;
}

export class TicketService {
  constructor(private readonly store: TicketStore) {}

  /**
   * The contact's open or pending ticket on the connection (the latest), or a new one with the
   * given queue, attendant and status; a reused ticket keeps its own. One per contact and
   * connection however many processes ask at once. Throws ChatiaError (user):
   * CF_WA_UNKNOWN_CONNECTION, CF_TICKET_INVALID (unknown contact, queue or user of the company,
   * bad status or number).
   */
  async findOrOpenTicket(input: FindOrOpenTicketInput): Promise<FoundOrOpenedTicket> {
    const status = input.status ?? "pending";
    if (!TICKET_STATUSES.includes(status)) {
      throw invalid(`status must be one of ${TICKET_STATUSES.join(", ")}, got ${String(status)}`);
    }
    const queueId = input.queueId ?? null;
    const userId = input.userId ?? null;
    await this.checkReferences(input.companyId, input.whatsappId, queueId, userId);
    const contact = await this.contactOf(input);
    const opened = await this.store.findOrOpenTicket({
      companyId: input.companyId,
      whatsappId: input.whatsappId,
      contactId: contact.id,
      isGroup: contact.isGroup,
      queueId,
      userId,
      status,
      now: input.now ?? new Date(),
    });
    return { ticket: ticketInfo(opened.ticket), created: opened.created };
  }

  /** The company's ticket, or null. */
  async findTicket(companyId: number, ticketId: number): Promise<TicketInfo | null> {
    const row = await this.store.findTicket(companyId, ticketId);
    return row === null ? null : ticketInfo(row);
  }

  /**
   * The values a ticket template shows for this ticket at `now` (renderTicketTemplate). Throws
   * CF_TICKET_INVALID when the ticket is not the company's.
   */
  async templateVars(companyId: number, ticketId: number, now: Date): Promise<TicketTemplateVars> {
    const facts = await this.store.ticketFacts(companyId, ticketId);
    if (facts === null) throw unknownTicket(companyId, ticketId);
    return templateVarsOf(facts, now);
  }

  /**
   * Puts a message on the ticket's history (and makes it the ticket's last message) unless the
   * ticket has one with this wid. Throws CF_TICKET_INVALID when the ticket is not the company's.
   */
  async recordMessage(input: RecordMessageInput): Promise<RecordedMessageInfo> {
    if (input.wid.trim() === "") throw invalid("a recorded message needs WhatsApp's message id");
    const recorded = await this.store.recordOnTicket({
      ticketId: input.ticketId,
      companyId: input.companyId,
      wid: input.wid,
      body: input.body,
      fromMe: input.fromMe ?? true,
      mediaType: input.mediaType ?? "chat",
      mediaUrl: input.mediaUrl ?? null,
      remoteJid: input.remoteJid ?? null,
    });
    if (recorded === null) throw unknownTicket(input.companyId, input.ticketId);
    return recorded;
  }

  private async checkReferences(
    companyId: number,
    whatsappId: number,
    queueId: number | null,
    userId: number | null,
  ): Promise<void> {
    const ok = await this.store.belongsToCompany(companyId, { queueId, userId, whatsappId });
    if (!ok.whatsapp) {
      throw new ChatiaError(
        "CF_WA_UNKNOWN_CONNECTION",
        `WhatsApp connection ${whatsappId} of company ${companyId} does not exist (or was deleted)`,
        { details: { whatsappId, companyId } },
      );
    }
    if (!ok.queue) throw invalid(`queue ${queueId} is not a queue of company ${companyId}`);
    if (!ok.user) throw invalid(`user ${userId} is not a user of company ${companyId}`);
  }

  private async contactOf(input: FindOrOpenTicketInput): Promise<{ id: number; isGroup: boolean }> {
    if (input.contactId !== undefined) {
      const found = await this.store.findContact(input.companyId, input.contactId);
      if (found === null) {
        throw invalid(`contact ${input.contactId} is not a contact of company ${input.companyId}`);
      }
      return found;
    }
    const isGroup = input.isGroup === true;
    const number = isGroup ? input.number.trim() : input.number.replace(/\D/g, "");
    if (number === "") throw invalid(`"${input.number}" is not a phone number or group id`);
    const id = await this.store.findOrCreateContact({
      companyId: input.companyId,
      number,
      isGroup,
      whatsappId: input.whatsappId,
    });
    return { id, isGroup };
  }
}

/** The template values of a ticket's facts at `now`. */
export function templateVarsOf(facts: TicketFacts, now: Date): TicketTemplateVars {
  return {
    contactName: facts.contactName,
    ticketId: facts.ticketId,
    queueName: facts.queueName,
    connectionName: facts.connectionName,
    userName: facts.userName,
    companyName: facts.companyName,
    now,
    timeZone: facts.timezone,
  };
}

function ticketInfo(row: TicketRecord): TicketInfo {
  return {
    id: row.id,
    uuid: row.uuid,
    status: row.status,
    companyId: row.companyId,
    contactId: row.contactId,
    whatsappId: row.whatsappId,
    queueId: row.queueId,
    userId: row.userId,
    isGroup: row.isGroup,
    lastMessage: row.lastMessage,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

function invalid(message: string): ChatiaError {
  return new ChatiaError("CF_TICKET_INVALID", message);
}

function unknownTicket(companyId: number, ticketId: number): ChatiaError {
  return invalid(`ticket ${ticketId} is not a ticket of company ${companyId}`);
}
