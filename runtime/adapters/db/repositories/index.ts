export { SequelizeAuthStore } from "./auth-store";
export { SequelizeBoardStore } from "./board-store";
export { SequelizeFlowPublications } from "./flow-publication-store";
export { SequelizeInvoiceStore } from "./invoice-store";
export { SequelizeMessageStore } from "./message-store";
export { SequelizeScheduleStore } from "./schedule-store";
export { SequelizeTicketOpsStore } from "./ticket-ops-store";
export { SequelizeUserStore } from "./user-store";
