// seedDemo: one complete demo company (plan, connections, attendants, kanban lanes, 200 contacts,
// a programmed campaign, due schedules, waiting tickets) so every cron has work within minutes.
import type { Sequelize } from "sequelize";
import { selectRows } from "../repositories/rows";
import { seedSchedules, seedTickets } from "./demo-activity";
import {
  DEMO_COMPANY_NAME,
  type DemoCredential,
  type PasswordHasher,
  seedCompany,
  seedConnections,
  seedUsers,
} from "./demo-company";
import {
  DEMO_CONTACTS,
  DEMO_LIST_ITEMS,
  seedCampaign,
  seedContacts,
  seedLanes,
} from "./demo-content";
import type { SeedContext } from "./seed-context";

export { DEMO_COMPANY_NAME, DEMO_EMAIL_DOMAIN, type DemoCredential } from "./demo-company";

/** Rows a fresh seed creates, per table. */
export const DEMO_COUNTS = {
  Plans: 1,
  Companies: 1,
  CompaniesSettings: 1,
  CampaignSettings: 4,
  Queues: 2,
  Whatsapps: 2,
  Users: 4,
  UserQueues: 5,
  Tags: 3,
  Contacts: DEMO_CONTACTS,
  ContactLists: 1,
  ContactListItems: DEMO_LIST_ITEMS,
  Campaigns: 1,
  Schedules: 5,
  Tickets: 10,
  TicketTags: 3,
  Messages: 10,
} as const satisfies Record<string, number>;

export interface SeedDemoOptions {
  /** The instant every demo date is relative to. @defaultValue new Date() */
  readonly now?: Date;
  /** Called after each step with steps done, steps in all and what the step created. */
  readonly onProgress?: (done: number, total: number, label: string) => void;
  /** Hashes each generated password for Users.passwordHash (the caller picks the algorithm). */
  readonly passwordHash: PasswordHasher;
}

export interface SeedDemoResult {
  readonly companyId: number;
  /** True when the demo company already existed; then nothing was written. */
  readonly alreadySeeded: boolean;
  /** Rows created per table name (empty when alreadySeeded). */
  readonly created: Record<string, number>;
  /** The generated logins in clear, available only now (empty when alreadySeeded). */
  readonly credentials: DemoCredential[];
}

/** Concurrent seeds of one database take turns; the later one then finds the company. */
const LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('chatia-flow:demo-seed'))";
const STEP_COUNT = 8;

/**
 * Seeds the demo company in one transaction (all or nothing). A no-op returning
 * `alreadySeeded: true` when a company named DEMO_COMPANY_NAME exists, so running it twice is
 * safe. Requires the migrations applied.
 */
export async function seedDemo(
  sequelize: Sequelize,
  opts: SeedDemoOptions,
): Promise<SeedDemoResult> {
  return sequelize.transaction(async (transaction) => {
    await sequelize.query(LOCK_SQL, { transaction });
    const [existing] = await selectRows<{ id: number }>(
      sequelize,
      `SELECT id FROM "Companies" WHERE name = $1`,
      [DEMO_COMPANY_NAME],
      transaction,
    );
    if (existing !== undefined) {
      return { companyId: existing.id, alreadySeeded: true, created: {}, credentials: [] };
    }
    const ctx: SeedContext = { sequelize, transaction, now: opts.now ?? new Date(), created: {} };
    return runSteps(ctx, opts);
  });
}

async function runSteps(ctx: SeedContext, opts: SeedDemoOptions): Promise<SeedDemoResult> {
  let done = 0;
  const step = <T>(label: string, value: T): T => {
    done += 1;
    opts.onProgress?.(done, STEP_COUNT, label);
    return value;
  };
  const companyId = step("company and settings", await seedCompany(ctx));
  const { queueIds, whatsappId } = step(
    "queues and connections",
    await seedConnections(ctx, companyId),
  );
  const users = step("users", await seedUsers(ctx, companyId, queueIds, opts.passwordHash));
  const laneIds = step("kanban lanes", await seedLanes(ctx, companyId));
  const contactIds = step("contacts", await seedContacts(ctx, companyId));
  const { adminId, attendantIds } = users;
  step("campaign", await seedCampaign(ctx, { companyId, whatsappId, adminId }));
  const refs = { companyId, whatsappId, adminId, attendantIds, queueIds, laneIds, contactIds };
  step("schedules", await seedSchedules(ctx, refs));
  step("tickets", await seedTickets(ctx, refs));
  return { companyId, alreadySeeded: false, created: ctx.created, credentials: users.credentials };
}
