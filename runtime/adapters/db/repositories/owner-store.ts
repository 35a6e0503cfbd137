// Which company owns the rows a job references (runtime/tenancy): one parameterized query per kind
// of row and batch of ids, so resolving a page of jobs costs a few round trips, not one per job.
import { QueryTypes, type Sequelize } from "sequelize";

/** The kinds of row a job may reference, each with its table (all carry `companyId`). */
export const OWNED_TABLES = {
  whatsapp: '"Whatsapps"',
  campaign: '"Campaigns"',
  schedule: '"Schedules"',
  ticket: '"Tickets"',
  contactListItem: '"ContactListItems"',
} as const;
export type OwnedKind = keyof typeof OWNED_TABLES;

export interface OwnerStore {
  /** The company of each existing row of `kind` among `ids` (deleted connections count as gone). */
  companiesOf(kind: OwnedKind, ids: readonly number[]): Promise<Map<number, number>>;
}

export class SequelizeOwnerStore implements OwnerStore {
  constructor(private readonly sequelize: Sequelize) {}

  async companiesOf(kind: OwnedKind, ids: readonly number[]): Promise<Map<number, number>> {
    const wanted = [...new Set(ids)].filter((id) => Number.isSafeInteger(id) && id > 0);
    if (wanted.length === 0) return new Map();
    const live = kind === "whatsapp" ? ' AND "deletedAt" IS NULL' : "";
    const rows = await this.sequelize.query<{ id: number; companyId: number | null }>(
      `SELECT id, "companyId" FROM ${OWNED_TABLES[kind]} WHERE id = ANY($1::int[])${live}`,
      { bind: [wanted], type: QueryTypes.SELECT },
    );
    const owners = new Map<number, number>();
    for (const row of rows) if (row.companyId !== null) owners.set(row.id, row.companyId);
    return owners;
  }
}
