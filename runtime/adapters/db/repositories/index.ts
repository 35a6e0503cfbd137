export {
  type ApiTokenRecord,
  type LoginUser,
  type NewApiToken,
  type PublicUser,
  type RotateResult,
  SequelizeAuthStore,
} from "./auth-store";
export {
  type Attendant,
  type AttendantCriteria,
  type BoardStore,
  type CompanyCriteria,
  type FoundCompany,
  type LaneMove,
  type PlanFeature,
  SequelizeBoardStore,
} from "./board-store";
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
export {
  type FoundTicket,
  type IdleRule,
  SequelizeTicketOpsStore,
  type TicketCriteria,
  type TicketOpsStore,
} from "./ticket-ops-store";
export { SequelizeUserStore, type UserStore } from "./user-store";
