// The SQL behind MessageService: connection look-up, the send ledger ("SendLedger") and the
// recording of a sent message (Contact, Ticket, Message). Every statement is parameterized.
// Contracts: claim() is atomic across processes (one claimer per key); recordSent() writes the
// ledger's `sent` and the Message in one transaction, so a message is never recorded twice.
// A claim knows its owner (`claimedBy`) and whether it is alive (`aliveAt`, refreshed by the owner
// while it holds the claim, cleared when it lets go in doubt) and whether it handed the message
// to WhatsApp (`handedOver`): a dead owner's claim that handed nothing over is taken over.
import type { Sequelize, Transaction } from "sequelize";
import {
  type ClaimResult,
  type ConnectionRecord,
  type LedgerClaim,
  type LedgerEntry,
  LedgerNotSendingError,
  type MessageStore,
  type OutgoingRecord,
  type RecordedMessage,
  type SentRecord,
} from "../../../services/ports/message-store";
import { preparedRows, requireRow, selectRows } from "./rows";
import { SequelizeTicketStore } from "./ticket-store";

/**
 * The ledger rows a record of sends may mark `sent`: `sending`, or `sent` already with the same
 * WhatsApp id (a retry after a reply lost on the way: it changes nothing then).
 */
export const SENT_OR_SENDING = (l: string, wid: string) =>
  `(${l}."status" = 'sending' OR (${l}."status" = 'sent' AND ${l}."wid" = ${wid}))`;

/** A claim that loses to a concurrent failure re-reads this many times before giving up. */
const CLAIM_ROUNDS = 3;

/**
 * An owner that showed no sign of life for this long is dead (crashed, killed, cut off from
 * Postgres). Owners refresh every few seconds (MessageService), well inside it.
 */
export const CLAIM_ALIVE_MS = 15_000;

const CLAIM_SQL = `
INSERT INTO "SendLedger" ("key", "companyId", "whatsappId", "jid", "status", "claimedBy",
  "aliveAt", "handedOver")
VALUES ($1, $2, $3, $4, 'sending', $5, now(), false)
ON CONFLICT ("key") DO UPDATE SET
  "status" = 'sending', "companyId" = EXCLUDED."companyId", "whatsappId" = EXCLUDED."whatsappId",
  "jid" = EXCLUDED."jid", "wid" = NULL, "sentAt" = NULL, "messageId" = NULL, "error" = NULL,
  "claimedBy" = EXCLUDED."claimedBy", "aliveAt" = now(), "handedOver" = false, "updatedAt" = now()
WHERE "SendLedger"."status" = 'failed'
RETURNING "key"`;

/** A dead owner's claim that handed nothing over: nothing was sent, the caller takes it. */
const TAKE_OVER_SQL = `
UPDATE "SendLedger" SET "claimedBy" = $2, "aliveAt" = now(), "error" = NULL, "updatedAt" = now()
WHERE "key" = $1 AND "status" = 'sending' AND "handedOver" = false
  AND ("aliveAt" IS NULL OR "aliveAt" <= now() - $3 * interval '1 millisecond')
RETURNING "key"`;

const ENTRY_SQL = `
SELECT l."key", l."companyId", l."whatsappId", l."jid", l."status", l."wid", l."sentAt",
       l."messageId", m."ticketId", m."contactId", l."error", l."createdAt", l."updatedAt",
       l."claimedBy", l."handedOver",
       COALESCE(l."aliveAt" > now() - $2 * interval '1 millisecond', false) AS "alive"
FROM "SendLedger" l LEFT JOIN "Messages" m ON m."id" = l."messageId"
WHERE l."key" = $1`;

export class SequelizeMessageStore implements MessageStore {
  private readonly tickets: SequelizeTicketStore;

  /** @param aliveMs how long an owner's silence means it is dead. @defaultValue CLAIM_ALIVE_MS */
  constructor(
    private readonly sequelize: Sequelize,
    private readonly aliveMs: number = CLAIM_ALIVE_MS,
  ) {
    this.tickets = new SequelizeTicketStore(sequelize);
  }

  async findConnection(whatsappId: number): Promise<ConnectionRecord | null> {
    const [row] = await this.select<ConnectionRecord>(
      `SELECT "id", "companyId", "status" FROM "Whatsapps" WHERE "id" = $1 AND "deletedAt" IS NULL`,
      [whatsappId],
    );
    return row ?? null;
  }

  async claim(claim: LedgerClaim): Promise<ClaimResult> {
    const values = [claim.key, claim.companyId, claim.whatsappId, claim.jid, claim.owner];
    for (let round = 1; ; round++) {
      const claimed = await preparedRows(this.sequelize, "send-ledger-claim", CLAIM_SQL, values);
      if (claimed.length > 0) return { claimed: true };
      const [row] = await this.select<LedgerEntry & { handedOver: boolean | null }>(ENTRY_SQL, [
        claim.key,
        this.aliveMs,
      ]);
      // Gone or `failed` again between the two statements (a concurrent attempt settled): retry.
      if (row !== undefined && row.status !== "failed") {
        const { handedOver, ...entry } = row;
        if (entry.status !== "sending" || entry.alive || handedOver !== false) {
          return { claimed: false, entry };
        }
        const taken = await this.select(TAKE_OVER_SQL, [claim.key, claim.owner, this.aliveMs]);
        if (taken.length > 0) return { claimed: true, tookOver: true };
      }
      if (round === CLAIM_ROUNDS) throw new Error(`send ledger key ${claim.key} keeps changing`);
    }
  }

  async claimHandedOver(
    claims: readonly Omit<LedgerClaim, "owner">[],
    owner: string,
  ): Promise<Set<string>> {
    if (claims.length === 0) return new Set();
    const rows = await preparedRows<{ key: string }>(
      this.sequelize,
      "send-ledger-claim-handed-over",
      `INSERT INTO "SendLedger" ("key", "companyId", "whatsappId", "jid", "status", "claimedBy",
         "aliveAt", "handedOver")
       SELECT x.key, x.company, x.whatsapp, x.jid, 'sending', $5, now(), true
         FROM unnest($1::text[], $2::int[], $3::int[], $4::text[]) AS x(key, company, whatsapp, jid)
       ON CONFLICT ("key") DO NOTHING
       RETURNING "key"`,
      [
        claims.map((c) => c.key),
        claims.map((c) => c.companyId),
        claims.map((c) => c.whatsappId),
        claims.map((c) => c.jid),
        owner,
      ],
    );
    return new Set(rows.map((r) => r.key));
  }

  async heartbeatMany(keys: readonly string[], owner: string): Promise<void> {
    await this.select(
      `UPDATE "SendLedger" SET "aliveAt" = now()
       WHERE "key" = ANY($1::text[]) AND "status" = 'sending' AND "claimedBy" = $2 RETURNING "key"`,
      [keys, owner],
    );
  }

  async heartbeat(key: string, owner: string): Promise<boolean> {
    const rows = await this.select(
      `UPDATE "SendLedger" SET "aliveAt" = now()
       WHERE "key" = $1 AND "status" = 'sending' AND "claimedBy" = $2 RETURNING "key"`,
      [key, owner],
    );
    return rows.length > 0;
  }

  async markHandedOver(key: string, owner: string): Promise<boolean> {
    const rows = await this.select(
      `UPDATE "SendLedger" SET "handedOver" = true, "aliveAt" = now()
       WHERE "key" = $1 AND "status" = 'sending' AND "claimedBy" = $2 RETURNING "key"`,
      [key, owner],
    );
    return rows.length > 0;
  }

  async markFailed(key: string, error: string): Promise<void> {
    await this.sequelize.query(
      `UPDATE "SendLedger" SET "status" = 'failed', "error" = $2, "updatedAt" = now()
       WHERE "key" = $1 AND "status" = 'sending'`,
      { bind: [key, error] },
    );
  }

  async noteInDoubt(key: string, error: string): Promise<void> {
    // Its owner lets go: no longer alive, so a later attempt reports it in doubt at once.
    await this.sequelize.query(
      `UPDATE "SendLedger" SET "error" = $2, "aliveAt" = NULL, "updatedAt" = now()
       WHERE "key" = $1 AND "status" = 'sending'`,
      { bind: [key, error] },
    );
  }

  async recordSent(record: SentRecord): Promise<RecordedMessage | undefined> {
    // Nothing to record but the ledger: one statement, no transaction (two round trips fewer).
    if (record.message === undefined) {
      await this.settleSent(record, undefined);
      return undefined;
    }
    const message = record.message;
    return this.sequelize.transaction(async (transaction) => {
      // Recorded by an earlier try whose reply was lost: that record, not a second Message.
      const [earlier] = await this.select<RecordedMessage>(
        `SELECT l."messageId", m."ticketId", m."contactId" FROM "SendLedger" l
           JOIN "Messages" m ON m."id" = l."messageId"
          WHERE l."key" = $1 AND l."status" = 'sent' AND l."wid" = $2 FOR UPDATE OF l`,
        [record.key, record.wid],
        transaction,
      );
      if (earlier !== undefined) return earlier;
      const recorded = await this.recordMessage(message, record.wid, transaction);
      await this.settleSent(record, recorded, transaction);
      return recorded;
    });
  }

  private async settleSent(
    record: SentRecord,
    recorded: RecordedMessage | undefined,
    transaction?: Transaction,
  ): Promise<void> {
    const settled = await this.select(
      `UPDATE "SendLedger" SET "status" = 'sent', "wid" = $2, "sentAt" = $3, "messageId" = $4,
         "error" = NULL, "updatedAt" = now()
       WHERE "key" = $1 AND ${SENT_OR_SENDING('"SendLedger"', "$2")} RETURNING "key"`,
      [record.key, record.wid, record.sentAt, recorded?.messageId ?? null],
      transaction,
    );
    if (settled.length === 0) throw new LedgerNotSendingError(record.key);
  }

  private async recordMessage(
    out: OutgoingRecord,
    wid: string,
    transaction: Transaction,
  ): Promise<RecordedMessage> {
    const contactId = await this.findOrCreateContact(out, transaction);
    const ticket = await this.findOrCreateTicket(out, contactId, transaction);
    const [message] = await this.select<{ id: number }>(
      `INSERT INTO "Messages" ("wid", "body", "ack", "read", "fromMe", "mediaType", "mediaUrl",
         "remoteJid", "ticketId", "contactId", "companyId", "queueId")
       VALUES ($1, $2, 1, true, true, $3, $4, $5, $6, $7, $8, $9) RETURNING "id"`,
      [
        wid,
        out.body,
        out.mediaType,
        out.mediaUrl,
        out.jid,
        ticket.id,
        contactId,
        out.companyId,
        ticket.queueId,
      ],
      transaction,
    );
    await this.sequelize.query(
      `UPDATE "Tickets" SET "lastMessage" = $2, "fromMe" = true, "updatedAt" = now() WHERE "id" = $1`,
      { bind: [ticket.id, out.body || (out.mediaUrl ?? "")], transaction },
    );
    return { messageId: requireRow(message).id, ticketId: ticket.id, contactId };
  }

  /** Contacts are unique per (companyId, number); a new one is named by its number. */
  private findOrCreateContact(out: OutgoingRecord, transaction: Transaction): Promise<number> {
    return this.tickets.findOrCreateContact(out, transaction);
  }

  /**
   * The contact's open or pending ticket on the connection (latest first), or a new pending one;
   * serialized per contact (TicketStore), so two sends to a new contact open one ticket, not two.
   */
  private async findOrCreateTicket(
    out: OutgoingRecord,
    contactId: number,
    transaction: Transaction,
  ): Promise<{ id: number; queueId: number | null }> {
    const { ticket } = await this.tickets.findOrOpenTicket(
      {
        companyId: out.companyId,
        whatsappId: out.whatsappId,
        contactId,
        isGroup: out.isGroup,
        queueId: null,
        userId: null,
        status: "pending",
        now: new Date(),
      },
      transaction,
    );
    return { id: ticket.id, queueId: ticket.queueId };
  }

  private select<T extends object = Record<string, unknown>>(
    sql: string,
    bind: unknown[],
    transaction?: Transaction,
  ): Promise<T[]> {
    return selectRows<T>(this.sequelize, sql, bind, transaction);
  }
}
