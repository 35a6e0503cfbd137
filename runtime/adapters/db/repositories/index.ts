export {
  type ApiTokenRecord,
  type LoginUser,
  type NewApiToken,
  type PublicUser,
  type RotateResult,
  SequelizeAuthStore,
} from "./auth-store";
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
export {
  type ScheduleForSend,
  type ScheduleOccurrence,
  type ScheduleStore,
  SequelizeScheduleStore,
} from "./schedule-store";
export { SequelizeUserStore, type UserStore } from "./user-store";
