// The SQL behind the campaign progress and cancel endpoints: one campaign's counts from its
// shippings (sent: deliveredAt; failed: failedAt without a delivery) and its contact list (the
// items up to its snapshot's lastItemId once ProcessCampaign took it: later ones are not sent),
// and the conditional move to CANCELADA. Parameterized; counts read the campaign's shippings only.
import { QueryTypes, type Sequelize } from "sequelize";
import type {
  CampaignCounts,
  CampaignProgressStore,
} from "../../../services/ports/campaign-progress-store";
import { CANCELLABLE } from "../../../services/ports/campaign-progress-store";

export class SequelizeCampaignProgressStore implements CampaignProgressStore {
  constructor(private readonly sequelize: Sequelize) {}

  async counts(id: number): Promise<CampaignCounts | null> {
    const [row] = await this.sequelize.query<Record<string, unknown>>(
      `SELECT c.id, c."companyId", c.status, c."completedAt",
              (SELECT count(*) FROM "ContactListItems" i
                WHERE i."contactListId" = c."contactListId"
                  AND (c."lastItemId" IS NULL OR i.id <= c."lastItemId"))::int AS items,
              s.shippings, s.sent, s.failed, s."firstDoneAt", s."lastDoneAt"
         FROM "Campaigns" c
         CROSS JOIN LATERAL (
           SELECT count(*)::int AS shippings,
                  count(*) FILTER (WHERE "deliveredAt" IS NOT NULL)::int AS sent,
                  count(*) FILTER (WHERE "deliveredAt" IS NULL AND "failedAt" IS NOT NULL)::int AS failed,
                  min(coalesce("deliveredAt", "failedAt")) AS "firstDoneAt",
                  max(coalesce("deliveredAt", "failedAt")) AS "lastDoneAt"
             FROM "CampaignShipping" WHERE "campaignId" = c.id) s
        WHERE c.id = $1`,
      { bind: [id], type: QueryTypes.SELECT },
    );
    return row === undefined ? null : (row as unknown as CampaignCounts);
  }

  async owner(id: number): Promise<{ companyId: number; status: string } | null> {
    const [row] = await this.sequelize.query<{ companyId: number; status: string }>(
      `SELECT "companyId", status FROM "Campaigns" WHERE id = $1`,
      { bind: [id], type: QueryTypes.SELECT },
    );
    return row ?? null;
  }

  /** PROGRAMADA or EM_ANDAMENTO → CANCELADA; the row as it now is, or null when not moved. */
  async cancel(id: number, now: Date): Promise<Record<string, unknown> | null> {
    const [row] = await this.sequelize.query<{ record: Record<string, unknown> }>(
      `UPDATE "Campaigns" c SET status = 'CANCELADA', "updatedAt" = $2
        WHERE id = $1 AND status IN ('${CANCELLABLE.join("', '")}')
        RETURNING to_jsonb(c) AS record`,
      { bind: [id, now], type: QueryTypes.SELECT },
    );
    return row?.record ?? null;
  }
}
