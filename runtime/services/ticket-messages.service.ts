// Bot messages on a set of tickets (greetings, lane greetings, farewells): each text is a ticket
// template rendered for its ticket on the company's clock and marked U+200E, sent once per
// idempotency key `ticket:<id>:<kind>:<version>` and recorded on that very ticket (a farewell goes
// on the ticket it closes, not on a new one). One connection's messages go one after another at
// its pace; different connections' go side by side. A failed send is reported, not thrown: the
// tickets' changes are already made, and the other messages must still go.

import { ChatiaError } from "../errors";
import type { MessageService } from "./message.service";
import { markMessage, renderTicketTemplate, TICKET_MESSAGE_MARK } from "./message-template";
import type {
  MessageSetting,
  TicketMessageContext,
  TicketOpsStore,
} from "./ports/ticket-ops-store";
import type { TicketService } from "./ticket.service";

/** One message to send: the ticket, its text (a ticket template) and the version in its key. */
export interface TicketMessage {
  readonly ticketId: number;
  /** Empty or null: nothing is sent for this ticket. */
  readonly text: string | null | undefined;
  /** Tells this message apart from earlier ones of the same kind (e.g. the ticket's new version). */
  readonly version: string;
}

export interface TicketMessageOptions {
  /** Part of the idempotency key: `greeting`, `farewell`, `lane`… */
  readonly kind: string;
  /** Send only to companies with this CompaniesSettings flag "enabled". @defaultValue always */
  readonly onlyIfSetting?: MessageSetting | null;
  /** Connections sending at once. @defaultValue 8 */
  readonly parallelConnections?: number;
}

export interface TicketMessagesResult {
  readonly sent: {
    readonly ticketId: number;
    readonly messageId: number;
    readonly alreadySent: boolean;
  }[];
  readonly failed: { readonly ticketId: number; readonly code: string; readonly message: string }[];
  /** Tickets without text, connection or number, or of companies without the setting. */
  readonly skipped: number;
}

const KIND = /^[A-Za-z][A-Za-z0-9_-]*$/;

export class TicketMessageService {
  constructor(
    private readonly deps: {
      /** Where the messages go and what their templates say, for a whole set in one query. */
      readonly store: TicketOpsStore;
      readonly messages: MessageService;
      /** Records each sent message on its ticket, once per wid. */
      readonly tickets: Pick<TicketService, "recordMessage">;
    },
  ) {}

  async send(
    items: readonly TicketMessage[],
    options: TicketMessageOptions,
    now: Date,
  ): Promise<TicketMessagesResult> {
    if (!KIND.test(options.kind))
      throw new RangeError(`message kind ${options.kind} is not a word`);
    const wanted = items.filter((i) => typeof i.text === "string" && i.text.trim() !== "");
    const contexts = await this.deps.store.messageContexts(
      wanted.map((i) => i.ticketId),
      options.onlyIfSetting ?? null,
    );
    const byTicket = new Map(contexts.map((c) => [c.ticketId, c]));
    const jobs = wanted.flatMap((item) => {
      const ctx = byTicket.get(item.ticketId);
      if (!ctx?.settingEnabled || ctx.whatsappId === null || !ctx.number) return [];
      return [{ item, ctx, whatsappId: ctx.whatsappId }];
    });
    const result: TicketMessagesResult = {
      sent: [],
      failed: [],
      skipped: items.length - jobs.length,
    };
    const byConnection = groupBy(jobs, (j) => j.whatsappId);
    await inParallel([...byConnection.values()], options.parallelConnections ?? 8, async (list) => {
      for (const { item, ctx } of list) await this.sendOne(item, ctx, options.kind, now, result);
    });
    return result;
  }

  private async sendOne(
    item: TicketMessage,
    ctx: TicketMessageContext,
    kind: string,
    now: Date,
    result: TicketMessagesResult,
  ): Promise<void> {
    try {
      const text = renderTicketTemplate(item.text ?? "", {
        contactName: ctx.contactName,
        ticketId: ctx.ticketId,
        queueName: ctx.queueName,
        connectionName: ctx.connectionName,
        userName: ctx.userName,
        companyName: ctx.companyName,
        now,
        timeZone: ctx.timezone,
      });
      const body = markMessage(TICKET_MESSAGE_MARK, text);
      const sent = await this.deps.messages.send({
        whatsappId: ctx.whatsappId ?? 0,
        number: ctx.number ?? "",
        isGroup: ctx.isGroup,
        body,
        companyId: ctx.companyId,
        idempotencyKey: `ticket:${ctx.ticketId}:${kind}:${item.version}`,
        // Recorded below on this very ticket: the contact's "current" ticket may be another one
        // (a farewell's ticket is closed by now).
        record: false,
      });
      const { messageId } = await this.deps.tickets.recordMessage({
        ticketId: ctx.ticketId,
        companyId: ctx.companyId,
        wid: sent.wid,
        body,
        remoteJid: sent.jid,
      });
      result.sent.push({
        ticketId: ctx.ticketId,
        messageId,
        alreadySent: sent.alreadySent,
      });
    } catch (err) {
      const code = err instanceof ChatiaError ? err.code : "unexpected";
      const message = err instanceof Error ? err.message : String(err);
      result.failed.push({ ticketId: ctx.ticketId, code, message });
    }
  }
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

async function inParallel<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
