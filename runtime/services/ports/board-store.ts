// Companies, attendants and kanban lanes, as the ticket crons need them
// (runtime/adapters/db/repositories/board-store.ts implements them in SQL).

/** A Plans flag a company's plan may have. */
export type PlanFeature = "useKanban" | "useCampaigns" | "useSchedules";

export interface CompanyCriteria {
  /** Only companies with `status` true. @defaultValue true */
  readonly active?: boolean;
  /** Only companies whose plan has this flag. */
  readonly feature?: PlanFeature;
}

export interface FoundCompany {
  readonly id: number;
  readonly name: string;
  readonly timezone: string;
}

export interface AttendantCriteria {
  readonly companyId: number;
  /** Only members of this queue (UserQueues). */
  readonly queueId?: number;
  /** Only users online (true) or offline (false). @defaultValue either */
  readonly online?: boolean;
  /** Only this profile. @defaultValue either */
  readonly profile?: "admin" | "user";
}

export interface Attendant {
  readonly id: number;
  readonly name: string;
  readonly profile: string;
  readonly online: boolean;
}

/** A ticket to hand to an attendant of its queue. */
export interface PickRequest {
  readonly ticketId: number;
  readonly companyId: number;
  readonly queueId: number;
  /** The current attendant, never picked again. */
  readonly userId: number | null;
}

export interface LaneMove {
  readonly ticketId: number;
  readonly companyId: number;
  readonly whatsappId: number | null;
  readonly contactId: number | null;
  readonly number: string | null;
  readonly isGroup: boolean;
  readonly fromTagId: number;
  readonly toTagId: number;
  /** The next lane's `greetingMessageLane` (null or empty: none). */
  readonly greeting: string | null;
}

export interface BoardStore {
  findCompanies(criteria: CompanyCriteria): Promise<FoundCompany[]>;
  findAttendants(criteria: AttendantCriteria): Promise<Attendant[]>;
  /** For each request, a random online attendant of profile `user` of its queue (not its current one), or none. */
  pickAttendants(requests: readonly PickRequest[]): Promise<Map<number, number>>;
  /** Moves every due lane of `companyIds` (see TicketService.moveLanes); returns the moves made now. */
  moveLanes(companyIds: readonly number[], now: Date): Promise<LaneMove[]>;
}
