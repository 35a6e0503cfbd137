// Which company owns the rows a job references (runtime/tenancy): one parameterized query per kind
// of row and batch of ids, so resolving a page of jobs costs a few round trips, not one per job.
import { QueryTypes, type Sequelize } from "sequelize";
import type { OwnedKind, OwnerStore } from "../../../services/ports/owner-store";

/** The table of each kind of row a job may reference. */
export const OWNED_TABLES: Readonly<Record<OwnedKind, string>> = {
  whatsapp: '"Whatsapps"',
  campaign: '"Campaigns"',
  schedule: '"Schedules"',
  ticket: '"Tickets"',
  contactListItem: '"ContactListItems"',
};

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
