// The SQL behind the campaign progress and cancel endpoints: one campaign's counts from its
// shippings (sent: deliveredAt; failed: failedAt without a delivery) and its contact list (the
// items up to its snapshot's lastItemId once ProcessCampaign took it: later ones are not sent),
// and the conditional move to CANCELADA. Parameterized; counts read the campaign's shippings only.
import { QueryTypes, type Sequelize } from "sequelize";

export interface CampaignCounts {
  readonly id: number;
  readonly companyId: number;
  readonly status: string;
  readonly completedAt: Date | null;
  /** Items of its contact list (0 without a list); once started, those of its snapshot (lastItemId). */
  readonly items: number;
  /** Its CampaignShipping rows. */
  readonly shippings: number;
  readonly sent: number;
  readonly failed: number;
  /** First and last settled shipping (delivered or failed). */
  readonly firstDoneAt: Date | null;
  readonly lastDoneAt: Date | null;
}

/** Statuses a campaign may be cancelled from. */
export const CANCELLABLE = ["PROGRAMADA", "EM_ANDAMENTO"] as const;

export class SequelizeCampaignProgressStore {
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
