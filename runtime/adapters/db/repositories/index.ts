export {
  type DueInvoicesResult,
  type InvoiceStore,
  SequelizeInvoiceStore,
} from "./invoice-store";
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
export { SequelizeUserStore, type UserStore } from "./user-store";
