// The closed sets of values that status-like columns accept. Postgres enforces each with a CHECK
// constraint (see the migrations); test/integration/db/constraints.test.ts keeps the two in step.

export const TICKET_STATUSES = ["open", "pending", "closed"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const USER_PROFILES = ["admin", "user"] as const;
export type UserProfile = (typeof USER_PROFILES)[number];

export const WHATSAPP_STATUSES = [
  "CONNECTED",
  "DISCONNECTED",
  "OPENING",
  "qrcode",
  "PAIRING",
  "TIMEOUT",
] as const;
export type WhatsappStatus = (typeof WHATSAPP_STATUSES)[number];

export const WHATSAPP_PROVIDERS = ["simulated", "baileys"] as const;
export type WhatsappProvider = (typeof WHATSAPP_PROVIDERS)[number];

export const SCHEDULE_STATUSES = ["PENDENTE", "AGENDADA", "ENVIADA", "ERRO"] as const;
export type ScheduleStatus = (typeof SCHEDULE_STATUSES)[number];

export const CAMPAIGN_STATUSES = [
  "INATIVA",
  "PROGRAMADA",
  "EM_ANDAMENTO",
  "CANCELADA",
  "FINALIZADA",
] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** SendLedger.status: claimed and not settled, accepted by WhatsApp, or refused (may be retried). */
export const SEND_LEDGER_STATUSES = ["sending", "sent", "failed"] as const;
export type SendLedgerStatus = (typeof SEND_LEDGER_STATUSES)[number];

export const INVOICE_STATUSES = ["open", "paid", "cancelled"] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/** The original's on/off switches are strings, not booleans ("enabled" / "disabled"). */
export const SWITCH_VALUES = ["enabled", "disabled"] as const;
export type Switch = (typeof SWITCH_VALUES)[number];

/**
 * Schedules.intervalo: the unit of a recurring schedule's step (valorIntervalo of them).
 * 1 days, 2 weeks, 3 calendar months, 4 minutes.
 */
export const SCHEDULE_INTERVAL_UNITS = { days: 1, weeks: 2, months: 3, minutes: 4 } as const;
