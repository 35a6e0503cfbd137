// What chatia's Node-RED nodes get from the runtime: it is put in Node-RED's settings under
// `chatia` (nodes read `RED.settings.chatia`), so that nodes stay thin adapters over services.
import type { Plan } from "../compile";
import type { BillingService } from "../services/billing.service";
import type { CampaignService } from "../services/campaign.service";
import type { MessageService } from "../services/message.service";
import type { CompanyEvents } from "../services/ports/events";
import type { JobEnqueuer } from "../services/ports/job-queue";
import type { ScheduleService } from "../services/schedule.service";
import type { SessionService } from "../services/session.service";
import type { TicketService } from "../services/ticket.service";
import type { TicketMessageService } from "../services/ticket-messages.service";
import type { TicketOpsService } from "../services/ticket-ops.service";
import type { UserService } from "../services/user.service";
import type { Ownership } from "../tenancy/ownership";
import type { Dispatcher } from "./dispatcher";

export const SETTINGS_KEY = "chatia";

export interface ChatiaNodeContext {
  readonly dispatcher: Dispatcher;
  /** The plan running now (it changes on hot reload). */
  plan(): Plan;
  /** Domain services, by name (added as the job slices land). */
  readonly services: ChatiaServices;
  /** What the editor's jobs tab reads and does (runtime/flow-bridge/jobs-panel.ts); absent in tests of nodes. */
  readonly jobsPanel?: JobsPanelApi;
}

/** The editor's jobs tab, for the job of the flow on screen (its queue and job name). */
export interface JobsPanelApi {
  overview(queue: string, job: string): Promise<unknown>;
  /** One job with its trace; CF_API_NOT_FOUND when missing or of another job name. */
  job(queue: string, job: string, id: string): Promise<unknown>;
  /** CF_API_CONFLICT unless the job failed. */
  retry(queue: string, job: string, id: string): Promise<void>;
  /** A traced test run; CF_JOB_BAD_PAYLOAD (with details) when the payload fails its schema. */
  run(queue: string, job: string, payload: unknown): Promise<{ id: string }>;
}

export interface ChatiaServices {
  /** Sends WhatsApp messages at most once per idempotency key and records them (`send whatsapp`). */
  readonly messages: MessageService;
  /** Sets attendants online but idle too long offline (`update users`). */
  readonly users: UserService;
  /** Creates each company's open invoice for its coming due date, once (`create invoices`). */
  readonly billing: BillingService;
  /** Adds any job of the manifest, its payload checked against its schema (`enqueue job`). */
  readonly jobs: JobEnqueuer;
  /** Campaigns: due ones started, lists expanded with their pacing, each shipping sent once. */
  readonly campaigns: CampaignService;
  /** Finds due scheduled messages, enqueues them at their sendAt, sends each occurrence once. */
  readonly schedules: ScheduleService;
  /** Events to one company's frontend, from any process (`emit event`). */
  readonly events: CompanyEvents;
  /** The contact's ticket found or opened, template values, messages recorded (`find or open ticket`, `render message`, `record message`). */
  readonly tickets: TicketService;
  /** Ticket crons, set-based: find, update, log, route, move lanes (`find tickets`, `update ticket`…). */
  readonly ticketOps: TicketOpsService;
  /** Greetings and farewells on a set of tickets, once each (`send ticket message`). */
  readonly ticketMessages: TicketMessageService;
  /** WhatsApp auth-state housekeeping (`purge sessions`). */
  readonly sessions: SessionService;
  /** Which company owns a job (runtime/tenancy): `send whatsapp` sends only for a known one. */
  readonly ownership: Pick<Ownership, "sendCompany">;
}
