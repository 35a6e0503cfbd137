export {
  type ClaimResult,
  type ConnectionRecord,
  type LedgerClaim,
  type LedgerEntry,
  type MessageStore,
  type OutgoingRecord,
  type RecordedMessage,
  type SentRecord,
  SequelizeMessageStore,
} from "./message-store";
