// The send ledger and the recording of sent messages, as MessageService needs them
// (runtime/adapters/db/repositories/message-store.ts implements it in SQL).
import type { SendLedgerStatus } from "./enums";

/** What a send needs to know of a connection (a live `Whatsapps` row). */
export interface ConnectionRecord {
  readonly id: number;
  readonly companyId: number;
  /** `Whatsapps.status`: only CONNECTED may send. */
  readonly status: string;
}

/** A ledger row, with the ticket and contact of its recorded message. */
export interface LedgerEntry {
  readonly key: string;
  readonly companyId: number;
  readonly whatsappId: number | null;
  readonly jid: string;
  readonly status: SendLedgerStatus;
  readonly wid: string | null;
  readonly sentAt: Date | null;
  readonly messageId: number | null;
  readonly ticketId: number | null;
  readonly contactId: number | null;
  readonly error: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** The attempt holding a `sending` key (host, pid, claim number); null before migration 015. */
  readonly claimedBy: string | null;
  /** A `sending` key's owner showed a sign of life within the store's liveness window. */
  readonly alive: boolean;
}

export interface LedgerClaim {
  readonly key: string;
  readonly companyId: number;
  readonly whatsappId: number;
  readonly jid: string;
  /** Who claims it, unique per attempt: written to `claimedBy`. */
  readonly owner: string;
}

/**
 * Claimed: this caller may send (`tookOver`: from a dead owner that had handed nothing over).
 * Otherwise the row another attempt left: `sent`, or `sending` by a live owner (`alive`) or a
 * dead one that may have sent (in doubt).
 */
export type ClaimResult =
  | { readonly claimed: true; readonly tookOver?: boolean }
  | { readonly claimed: false; readonly entry: LedgerEntry };

/** The Message to record for a send. */
export interface OutgoingRecord {
  readonly companyId: number;
  readonly whatsappId: number;
  /** The contact's number as stored: the jid's id part (digits, or a group id). */
  readonly number: string;
  readonly isGroup: boolean;
  readonly jid: string;
  readonly body: string;
  /** "chat", "image", "video", "audio" or "document". */
  readonly mediaType: string;
  /** The media file's path inside the company's media folder; null for text. */
  readonly mediaUrl: string | null;
}

export interface SentRecord {
  readonly key: string;
  readonly wid: string;
  readonly sentAt: Date;
  /** Absent when the send asked not to be recorded: only the ledger is updated. */
  readonly message?: OutgoingRecord;
}

export interface RecordedMessage {
  readonly messageId: number;
  readonly ticketId: number;
  readonly contactId: number;
}

export interface MessageStore {
  /** The live (not soft-deleted) connection, or null. */
  findConnection(whatsappId: number): Promise<ConnectionRecord | null>;
  /** Claims `key` (new, or `failed` before) as `sending`; otherwise returns the existing row. */
  claim(claim: LedgerClaim): Promise<ClaimResult>;
  /**
   * Claims the keys that have no ledger row yet, all for one owner and handed over at once (the
   * caller sends them right away): one statement, one commit. The keys claimed; a key with a row
   * (sent, failed, or another attempt's) is left as it is, for claim() to decide.
   */
  claimHandedOver(
    claims: readonly Omit<LedgerClaim, "owner">[],
    owner: string,
  ): Promise<Set<string>>;
  /** The owner is alive: refreshes `aliveAt` of its claim (false when it no longer holds it). */
  heartbeat(key: string, owner: string): Promise<boolean>;
  /** heartbeat() for several keys of one owner, in one statement. */
  heartbeatMany(keys: readonly string[], owner: string): Promise<void>;
  /**
   * Notes that the owner hands the message to WhatsApp now (from here on a dead owner's claim is
   * in doubt); false when it no longer holds the claim (it must not send then).
   */
  markHandedOver(key: string, owner: string): Promise<boolean>;
  /** The claimed send did not reach WhatsApp: `failed`, so a retry may claim it again. */
  markFailed(key: string, error: string): Promise<void>;
  /** The claimed send may have reached WhatsApp: stays `sending` (in doubt), error noted. */
  noteInDoubt(key: string, error: string): Promise<void>;
  /** Marks the claimed key `sent` and records the message, in one transaction. */
  recordSent(record: SentRecord): Promise<RecordedMessage | undefined>;
}

/**
 * Recording a send found its key neither `sending` nor `sent` with the same WhatsApp id: another
 * attempt settled or took it. Not a passing fault: recording it again cannot succeed.
 */
export class LedgerNotSendingError extends Error {
  constructor(key: string) {
    super(`send ledger key ${key} was not 'sending' when its send completed`);
    this.name = "LedgerNotSendingError";
  }
}
