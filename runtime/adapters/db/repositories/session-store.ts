// The SQL behind WhatsApp session housekeeping: deletes stored auth state ("WhatsappSessions",
// whose keys go with it by cascade, and the legacy `Whatsapps.session` column) of connections
// that were deleted or have been logged out too long. Nothing outside those rows is touched.
import { QueryTypes, type Sequelize } from "sequelize";

export interface PurgeCriteria {
  /** Purge the auth state of soft-deleted connections (`deletedAt` set). */
  readonly deletedConnections: boolean;
  /** Purge that of live connections DISCONNECTED (logged out) since before this instant; null: none. */
  readonly loggedOutBefore: Date | null;
}

export interface PurgedSession {
  readonly whatsappId: number;
  readonly companyId: number;
  readonly reason: "deleted" | "logged-out";
}

export interface SessionStore {
  purge(criteria: PurgeCriteria): Promise<PurgedSession[]>;
}

// A connection qualifies when deleted (if asked) or DISCONNECTED and unchanged since the cutoff.
const STALE = `
  SELECT w.id, w."companyId",
         CASE WHEN w."deletedAt" IS NOT NULL THEN 'deleted' ELSE 'logged-out' END AS reason
    FROM "Whatsapps" w
   WHERE ($1::boolean AND w."deletedAt" IS NOT NULL)
      OR ($2::timestamptz IS NOT NULL AND w."deletedAt" IS NULL
          AND w.status = 'DISCONNECTED' AND w."updatedAt" < $2::timestamptz)`;

export class SequelizeSessionStore implements SessionStore {
  constructor(private readonly sequelize: Sequelize) {}

  async purge(criteria: PurgeCriteria): Promise<PurgedSession[]> {
    const bind = [criteria.deletedConnections, criteria.loggedOutBefore];
    const rows = await this.sequelize.query<{
      id: number;
      companyId: number;
      reason: PurgedSession["reason"];
    }>(
      `WITH stale AS (${STALE}),
       sessions AS (
         DELETE FROM "WhatsappSessions" s USING stale
          WHERE s."whatsappId" = stale.id RETURNING s."whatsappId"
       ), legacy AS (
         UPDATE "Whatsapps" w SET session = NULL FROM stale
          WHERE w.id = stale.id AND w.session IS NOT NULL RETURNING w.id
       )
       SELECT stale.id, stale."companyId", stale.reason FROM stale
        WHERE stale.id IN (SELECT "whatsappId" FROM sessions UNION SELECT id FROM legacy)
        ORDER BY stale.id`,
      { bind, type: QueryTypes.SELECT },
    );
    return rows.map((r) => ({ whatsappId: r.id, companyId: r.companyId, reason: r.reason }));
  }
}
