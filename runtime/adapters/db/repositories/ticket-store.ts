// The SQL behind TicketService and the recording of sent messages: a company's contact by number,
// the contact's current ticket on a connection (or a new one), the facts a ticket template
// needs, and a Message on a ticket. Every statement is parameterized.
// Contract: findOrOpenTicket is serialized per contact by a transaction-scoped advisory lock, so
// concurrent callers in any number of processes get one open/pending ticket per contact and
// connection, never two.
import type { Sequelize, Transaction } from "sequelize";
import type {
  ContactByNumber,
  ContactRecord,
  MessageOnTicket,
  OpenedTicket,
  RecordedOnTicket,
  TicketFacts,
  TicketRecord,
  TicketStore,
  TicketToOpen,
} from "../../../services/ports/ticket-store";
import { requireRow, selectRows } from "./rows";

/** Two-int advisory lock namespace for "find or create the contact's ticket" ('CF' 0x0001). */
const TICKET_LOCK_NAMESPACE = 0x4346_0001;
/** Two-int advisory lock namespace for "add a message to the ticket once per wid" ('CF' 0x0002). */
const MESSAGE_LOCK_NAMESPACE = 0x4346_0002;

const TICKET_COLUMNS = `"id", "uuid", "status", "companyId", "contactId", "whatsappId", "queueId",
  "userId", "isGroup", "lastMessage", "createdAt", "updatedAt"`;

export class SequelizeTicketStore implements TicketStore {
  constructor(private readonly sequelize: Sequelize) {}

  /** The contact of the company with this id, or null. */
  async findContact(companyId: number, contactId: number): Promise<ContactRecord | null> {
    const [row] = await this.select<ContactRecord>(
      `SELECT "id", "companyId", "name", "number", "isGroup" FROM "Contacts"
       WHERE "id" = $1 AND "companyId" = $2`,
      [contactId, companyId],
    );
    return row ?? null;
  }

  /** Contacts are unique per (companyId, number); returns the existing one's id or a new one's. */
  async findOrCreateContact(ref: ContactByNumber, transaction?: Transaction): Promise<number> {
    const [created] = await this.select<{ id: number }>(
      `INSERT INTO "Contacts" ("name", "number", "isGroup", "companyId", "whatsappId")
       VALUES ($1, $1, $2, $3, $4) ON CONFLICT ("companyId", "number") DO NOTHING RETURNING "id"`,
      [ref.number, ref.isGroup, ref.companyId, ref.whatsappId],
      transaction,
    );
    if (created !== undefined) return created.id;
    const [found] = await this.select<{ id: number }>(
      `SELECT "id" FROM "Contacts" WHERE "companyId" = $1 AND "number" = $2`,
      [ref.companyId, ref.number],
      transaction,
    );
    return requireRow(found).id;
  }

  /**
   * The contact's open or pending ticket on the connection (latest first), or a new one as
   * described. Runs in `transaction` when given (the lock is held until it ends), else in its own.
   */
  findOrOpenTicket(input: TicketToOpen, transaction?: Transaction): Promise<OpenedTicket> {
    if (transaction === undefined) {
      return this.sequelize.transaction((t) => this.findOrOpenTicket(input, t));
    }
    return this.findOrOpenLocked(input, transaction);
  }

  /** Whether each id given (not null) names a row of the company: queue, user, connection. */
  async belongsToCompany(
    companyId: number,
    refs: { queueId: number | null; userId: number | null; whatsappId: number | null },
  ): Promise<{ queue: boolean; user: boolean; whatsapp: boolean }> {
    const [row] = await this.select<{ queue: boolean; user: boolean; whatsapp: boolean }>(
      `SELECT
         ($2::int IS NULL OR EXISTS (SELECT 1 FROM "Queues" WHERE "id" = $2 AND "companyId" = $1)) AS "queue",
         ($3::int IS NULL OR EXISTS (SELECT 1 FROM "Users" WHERE "id" = $3 AND "companyId" = $1)) AS "user",
         ($4::int IS NULL OR EXISTS (SELECT 1 FROM "Whatsapps"
            WHERE "id" = $4 AND "companyId" = $1 AND "deletedAt" IS NULL)) AS "whatsapp"`,
      [companyId, refs.queueId, refs.userId, refs.whatsappId],
    );
    return requireRow(row);
  }

  /** The ticket of the company with this id, or null. */
  async findTicket(companyId: number, ticketId: number): Promise<TicketRecord | null> {
    const [row] = await this.select<TicketRecord>(
      `SELECT ${TICKET_COLUMNS} FROM "Tickets" WHERE "id" = $1 AND "companyId" = $2`,
      [ticketId, companyId],
    );
    return row ?? null;
  }

  /** The names a ticket template shows, or null when the ticket is not the company's. */
  async ticketFacts(companyId: number, ticketId: number): Promise<TicketFacts | null> {
    const [row] = await this.select<TicketFacts>(
      `SELECT t."id" AS "ticketId", t."companyId", c."name" AS "contactName",
              c."number" AS "contactNumber", q."name" AS "queueName", w."name" AS "connectionName",
              u."name" AS "userName", co."name" AS "companyName", co."timezone"
         FROM "Tickets" t
         JOIN "Contacts" c ON c."id" = t."contactId"
         JOIN "Companies" co ON co."id" = t."companyId"
         LEFT JOIN "Queues" q ON q."id" = t."queueId"
         LEFT JOIN "Whatsapps" w ON w."id" = t."whatsappId"
         LEFT JOIN "Users" u ON u."id" = t."userId"
        WHERE t."id" = $1 AND t."companyId" = $2`,
      [ticketId, companyId],
    );
    return row ?? null;
  }

  /**
   * Adds the message to the ticket unless the ticket has one with this wid (then returns it),
   * and makes it the ticket's last message. Null when the ticket is not the company's.
   */
  async recordOnTicket(
    message: MessageOnTicket,
    transaction?: Transaction,
  ): Promise<RecordedOnTicket | null> {
    if (transaction === undefined) {
      return this.sequelize.transaction((t) => this.recordOnTicket(message, t));
    }
    await this.lock(MESSAGE_LOCK_NAMESPACE, message.ticketId, transaction);
    const [ticket] = await this.select<{ id: number; contactId: number; queueId: number | null }>(
      `SELECT "id", "contactId", "queueId" FROM "Tickets" WHERE "id" = $1 AND "companyId" = $2`,
      [message.ticketId, message.companyId],
      transaction,
    );
    if (ticket === undefined) return null;
    const [existing] = await this.select<{ id: number }>(
      `SELECT "id" FROM "Messages" WHERE "wid" = $1 AND "ticketId" = $2 LIMIT 1`,
      [message.wid, ticket.id],
      transaction,
    );
    const common = { ticketId: ticket.id, contactId: ticket.contactId };
    if (existing !== undefined) return { ...common, messageId: existing.id, created: false };
    const [inserted] = await this.select<{ id: number }>(
      `INSERT INTO "Messages" ("wid", "body", "ack", "read", "fromMe", "mediaType", "mediaUrl",
         "remoteJid", "ticketId", "contactId", "companyId", "queueId")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING "id"`,
      [
        message.wid,
        message.body,
        message.fromMe ? 1 : 0,
        message.fromMe,
        message.fromMe,
        message.mediaType,
        message.mediaUrl,
        message.remoteJid,
        ticket.id,
        ticket.contactId,
        message.companyId,
        ticket.queueId,
      ],
      transaction,
    );
    await this.sequelize.query(
      `UPDATE "Tickets" SET "lastMessage" = $2, "fromMe" = $3, "updatedAt" = now() WHERE "id" = $1`,
      {
        bind: [ticket.id, message.body || (message.mediaUrl ?? ""), message.fromMe],
        transaction,
      },
    );
    return { ...common, messageId: requireRow(inserted).id, created: true };
  }

  private async findOrOpenLocked(
    input: TicketToOpen,
    transaction: Transaction,
  ): Promise<OpenedTicket> {
    await this.lock(TICKET_LOCK_NAMESPACE, input.contactId, transaction);
    const [found] = await this.select<TicketRecord>(
      `SELECT ${TICKET_COLUMNS} FROM "Tickets"
       WHERE "contactId" = $1 AND "whatsappId" = $2 AND "companyId" = $3
         AND "status" IN ('open', 'pending')
       ORDER BY "updatedAt" DESC, "id" DESC LIMIT 1`,
      [input.contactId, input.whatsappId, input.companyId],
      transaction,
    );
    if (found !== undefined) return { ticket: found, created: false };
    const [created] = await this.select<TicketRecord>(
      `INSERT INTO "Tickets" ("status", "contactId", "whatsappId", "companyId", "isGroup",
         "queueId", "userId", "closedAt", "createdAt", "updatedAt")
       VALUES ($1::varchar, $2, $3, $4, $5, $6, $7,
         CASE WHEN $1::varchar = 'closed' THEN $8::timestamptz END, $8, $8)
       RETURNING ${TICKET_COLUMNS}`,
      [
        input.status,
        input.contactId,
        input.whatsappId,
        input.companyId,
        input.isGroup,
        input.queueId,
        input.userId,
        input.now,
      ],
      transaction,
    );
    return { ticket: requireRow(created), created: true };
  }

  private async lock(namespace: number, id: number, transaction: Transaction): Promise<void> {
    await this.sequelize.query("SELECT pg_advisory_xact_lock($1, $2)", {
      bind: [namespace, id],
      transaction,
    });
  }

  private select<T extends object = Record<string, unknown>>(
    sql: string,
    bind: unknown[],
    transaction?: Transaction,
  ): Promise<T[]> {
    return selectRows<T>(this.sequelize, sql, bind, transaction);
  }
}
