// The SQL behind CampaignService. Parameterized. A campaign's progress is a count of unsettled
// shippings taken when ProcessCampaign starts, kept in 16 "CampaignProgress" rows (by item id);
// the UPDATE settling a shipping decrements its row in the same statement, and the last row to
// reach 0 finishes the campaign after reading the 16 rows: O(1) per message (SPEC §4 defect 11).
// Every change is conditional on the state it was decided for, so retries and races change nothing.

import type { Sequelize } from "sequelize";
import type { CampaignCounts } from "../../../services/ports/campaign-progress-store";
import type {
  CampaignExpansion,
  CampaignForPrepare,
  CampaignMessagePart,
  CampaignProgress,
  CampaignRef,
  CampaignStore,
  ContactItem,
  ExpansionPage,
  NewShipping,
  SentShipping,
  Settlement,
  ShippingForDispatch,
  ShippingState,
} from "../../../services/ports/campaign-store";
import { LedgerNotSendingError } from "../../../services/ports/message-store";
import { SequelizeCampaignProgressStore } from "./campaign-progress-store";
import { SENT_OR_SENDING } from "./message-store";
import { preparedRows, requireRow, selectRows } from "./rows";

/** The item column of each contact variable of a campaign message. */
const ITEM_COLUMN = { nome: "name", email: "email", numero: "number" } as const;

const REF = `id, "companyId", status, "scheduledAt"`;

/** A shipping still to send: on the connection's schedule (campaign_shipping_pending_idx, 014). */
const pending = (a: string) =>
  `${a}."deliveredAt" IS NULL AND ${a}."failedAt" IS NULL AND ${a}."confirmationRequestedAt" IS NULL`;

/** What a dispatch reads of a shipping (s), its item (i), campaign (c) and connection (w). */
const DISPATCH_COLUMNS = `s.id, false AS created, s."dueAt", s."deliveredAt", s."failedAt",
              s."confirmationRequestedAt", s."campaignId", s."contactId", s.number, s.message,
              s."confirmationMessage", s.confirmation, COALESCE(i."isGroup", false) AS "isGroup",
              c."companyId", c.status AS "campaignStatus", c.confirmation AS "campaignConfirmation",
              c."whatsappId", c."mediaPath", c."openTicket", c."queueId", c."userId", c."statusTicket",
              w."companyId" AS "connectionCompanyId", w.status AS "connectionStatus"`;

type DispatchRow = Omit<ShippingForDispatch, "connection"> & {
  connectionCompanyId: number | null;
  connectionStatus: string | null;
};

function withConnection({
  connectionCompanyId,
  connectionStatus,
  ...shipping
}: DispatchRow): ShippingForDispatch {
  const connection =
    connectionCompanyId === null || connectionStatus === null
      ? null
      : { companyId: connectionCompanyId, status: connectionStatus };
  return { ...shipping, connection };
}

/** The bind parameters of an unnest INSERT of shippings, column by column. */
function shippingColumns(rows: readonly NewShipping[]): unknown[] {
  return [
    rows.map((r) => r.campaignId),
    rows.map((r) => r.contactId),
    rows.map((r) => r.number),
    rows.map((r) => r.message),
    rows.map((r) => r.confirmationMessage),
    rows.map((r) => r.dueAt.toISOString()),
    rows.map((r) => r.jobId),
  ];
}

/** Shards of a campaign's count of unsettled shippings ("CampaignProgress"): item id % SHARDS. */
export const PROGRESS_SHARDS = 16;

/** One statement: the shipping settles (once) and its shard of the campaign's count goes down. */
const SETTLE_SQL = `
WITH settled AS (
  UPDATE "CampaignShipping"
     SET "deliveredAt" = $2, "failedAt" = $3, "failureReason" = $4, "updatedAt" = $5
   WHERE id = $1 AND "deliveredAt" IS NULL AND "failedAt" IS NULL
  RETURNING "campaignId", "contactId"
)
UPDATE "CampaignProgress" p SET "left" = GREATEST(p."left" - 1, 0)
  FROM settled
 WHERE p."campaignId" = settled."campaignId" AND p.shard = settled."contactId" % ${PROGRESS_SHARDS}
RETURNING p."campaignId", p."left"`;

/**
 * One statement after WhatsApp accepted a shipping's (last) message: its ledger key `sent`, the
 * shipping delivered (once) and its shard of the campaign's count down — all or nothing, and
 * durable when it returns (a Postgres crash must not turn a known outcome into one in doubt).
 * A key already `sent` with the same WhatsApp id (a retry after a lost reply) changes nothing.
 */
const SENT_SQL = `
WITH sent AS (
  UPDATE "SendLedger" l SET "status" = 'sent', "wid" = $2, "sentAt" = $3, "messageId" = NULL,
         "error" = NULL, "updatedAt" = now()
   WHERE "key" = $1 AND ${SENT_OR_SENDING("l", "$2")}
  RETURNING "key"
), settled AS (
  UPDATE "CampaignShipping"
     SET "deliveredAt" = $5, "updatedAt" = $6
   WHERE id = $4 AND "deliveredAt" IS NULL AND "failedAt" IS NULL AND EXISTS (SELECT 1 FROM sent)
  RETURNING "campaignId", "contactId"
), progress AS (
  UPDATE "CampaignProgress" p SET "left" = GREATEST(p."left" - 1, 0)
    FROM settled
   WHERE p."campaignId" = settled."campaignId" AND p.shard = settled."contactId" % ${PROGRESS_SHARDS}
  RETURNING p."campaignId", p."left"
)
SELECT EXISTS (SELECT 1 FROM sent) AS sent,
       (SELECT "campaignId" FROM progress) AS "campaignId", (SELECT "left" FROM progress) AS "left"`;

/**
 * SENT_SQL for a batch of shippings sent together ($1 keys, $2 WhatsApp ids, $3 sent times,
 * $4 shipping ids; $5 the delivery time): one statement, one commit. Each shard goes down by its
 * shippings settled, its rows locked in (campaign, shard) order first, so that batches settling
 * at once wait for each other instead of deadlocking; the keys marked `sent` and the campaigns a
 * shard of which reached 0.
 */
const SENT_MANY_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[])
           AS x(key, wid, "sentAt", "shippingId")
), sent AS (
  UPDATE "SendLedger" l SET "status" = 'sent', "wid" = x.wid, "sentAt" = x."sentAt",
         "messageId" = NULL, "error" = NULL, "updatedAt" = now()
    FROM input x
   WHERE l."key" = x.key AND ${SENT_OR_SENDING("l", "x.wid")}
  RETURNING l."key"
), settled AS (
  UPDATE "CampaignShipping" s SET "deliveredAt" = $5, "updatedAt" = $5
    FROM input x JOIN sent ON sent.key = x.key
   WHERE s.id = x."shippingId" AND s."deliveredAt" IS NULL AND s."failedAt" IS NULL
  RETURNING s."campaignId", s."contactId"
), counts AS (
  SELECT "campaignId", "contactId" % ${PROGRESS_SHARDS} AS shard, count(*)::int AS n
    FROM settled GROUP BY 1, 2
), locked AS (
  SELECT p."campaignId", p.shard, c.n FROM "CampaignProgress" p
    JOIN counts c ON p."campaignId" = c."campaignId" AND p.shard = c.shard
   ORDER BY p."campaignId", p.shard
     FOR UPDATE OF p
), progress AS (
  UPDATE "CampaignProgress" p SET "left" = GREATEST(p."left" - k.n, 0)
    FROM locked k
   WHERE p."campaignId" = k."campaignId" AND p.shard = k.shard
  RETURNING p."campaignId", p."left"
)
SELECT COALESCE((SELECT array_agg(key) FROM sent), '{}') AS sent,
       (SELECT count(*) FROM settled)::int AS settled,
       COALESCE((SELECT array_agg(DISTINCT "campaignId") FROM progress WHERE "left" = 0), '{}')
         AS drained`;

/** The last shard to reach 0 finishes the campaign: 16 rows read, whatever the list's size. */
const FINISH_SQL = `
UPDATE "Campaigns" SET status = 'FINALIZADA', "completedAt" = $2, "shippingsLeft" = 0, "updatedAt" = $2
 WHERE id = $1 AND status = 'EM_ANDAMENTO'
   AND NOT EXISTS (SELECT 1 FROM "CampaignProgress" WHERE "campaignId" = $1 AND "left" > 0)
RETURNING id`;

export class SequelizeCampaignStore implements CampaignStore {
  constructor(private readonly sequelize: Sequelize) {}

  /** PROGRAMADA campaigns with `scheduledAt` up to `until` (overdue ones too), earliest first. */
  findDue(until: Date, limit: number): Promise<CampaignRef[]> {
    return this.select(
      `SELECT ${REF} FROM "Campaigns"
        WHERE status = 'PROGRAMADA' AND "scheduledAt" <= $1 ORDER BY "scheduledAt", id LIMIT $2`,
      [until, limit],
    );
  }

  /** Sets `to` when the status is one of `from`; false otherwise. */
  setStatus(id: number, to: string, from: readonly string[], now: Date): Promise<boolean> {
    return this.change(
      `UPDATE "Campaigns" SET status = $2, "updatedAt" = $4
        WHERE id = $1 AND status = ANY($3::text[]) RETURNING id`,
      [id, to, from, now],
    );
  }

  /** EM_ANDAMENTO campaigns whose contacts were not all handed on yet. */
  findUnexpanded(limit: number): Promise<CampaignRef[]> {
    return this.select(
      `SELECT ${REF} FROM "Campaigns"
        WHERE status = 'EM_ANDAMENTO' AND "expandedAt" IS NULL ORDER BY id LIMIT $1`,
      [limit],
    );
  }

  /**
   * Takes the list's snapshot (item count → shippingsLeft, highest id, pacing start) unless an
   * earlier run took it, then returns the campaign with its company's settings; null if missing.
   * A PROGRAMADA campaign becomes EM_ANDAMENTO here too (`started`): its ProcessCampaign job may
   * start before the Verify run that enqueued it has marked it.
   */
  async startExpansion(id: number, now: Date): Promise<CampaignExpansion | null> {
    const started = await this.setStatus(id, "EM_ANDAMENTO", ["PROGRAMADA"], now);
    await this.sequelize.query(
      `WITH snapshot AS (
         UPDATE "Campaigns" c
            SET "shippingsLeft" = s.n, "lastItemId" = s.last,
                "pacedFrom" = GREATEST(COALESCE(c."scheduledAt", $2), $2), "updatedAt" = $2
           FROM (SELECT count(i.id)::int AS n, COALESCE(max(i.id), 0) AS last
                   FROM "Campaigns" k LEFT JOIN "ContactListItems" i ON i."contactListId" = k."contactListId"
                  WHERE k.id = $1) s
          WHERE c.id = $1 AND c.status = 'EM_ANDAMENTO' AND c."shippingsLeft" IS NULL
         RETURNING c.id, c."contactListId", s.last)
       INSERT INTO "CampaignProgress" ("campaignId", shard, "left", total)
       SELECT snapshot.id, g.shard, count(i.id)::int, count(i.id)::int
         FROM snapshot CROSS JOIN generate_series(0, ${PROGRESS_SHARDS - 1}) AS g(shard)
         LEFT JOIN "ContactListItems" i ON i."contactListId" = snapshot."contactListId"
              AND i.id <= snapshot.last AND i.id % ${PROGRESS_SHARDS} = g.shard
        GROUP BY snapshot.id, g.shard`,
      { bind: [id, now] },
    );
    const [row] = await this.select<CampaignExpansion>(
      `SELECT ${REF}, "contactListId", "whatsappId", "shippingsLeft", "lastItemId", "pacedFrom", "expandedAt",
              COALESCE((SELECT json_object_agg(s.key, s.value) FROM "CampaignSettings" s
                         WHERE s."companyId" = c."companyId"), '{}'::json) AS settings
         FROM "Campaigns" c WHERE c.id = $1`,
      [id],
    );
    return row === undefined ? null : { ...row, started };
  }

  /**
   * Running, fully expanded campaigns with nothing left that no settlement finished (their last
   * shippings left with their list items): FINALIZADA now. Their ids.
   */
  async finishDrained(now: Date, limit: number): Promise<number[]> {
    const rows = await this.select<{ id: number }>(
      `UPDATE "Campaigns" c SET status = 'FINALIZADA', "completedAt" = $1, "shippingsLeft" = 0,
              "updatedAt" = $1
        WHERE c.id IN (SELECT r.id FROM "Campaigns" r
                        WHERE r.status = 'EM_ANDAMENTO' AND r."expandedAt" IS NOT NULL
                          AND EXISTS (SELECT 1 FROM "CampaignProgress" p WHERE p."campaignId" = r.id)
                          AND NOT EXISTS (SELECT 1 FROM "CampaignProgress" p
                                           WHERE p."campaignId" = r.id AND p."left" > 0)
                        ORDER BY r.id LIMIT $2)
          AND c.status = 'EM_ANDAMENTO'
        RETURNING c.id`,
      [now, limit],
    );
    return rows.map((r) => r.id);
  }

  /** EM_ANDAMENTO with nothing left → FINALIZADA; true when this call finished it. */
  finishIfDone(id: number, now: Date): Promise<boolean> {
    return this.change(FINISH_SQL, [id, now]);
  }

  /**
   * A contact that left the list before its shipping was prepared no longer counts: once (a page
   * prepared again, or a trigger that forgot it with its shipping, changes nothing), and only
   * while the campaign runs and has no shipping for it (that one settles on its own).
   */
  async forgetContact(
    campaignId: number,
    itemId: number,
    now: Date,
  ): Promise<CampaignProgress | null> {
    const [row] = await this.select<{ left: number }>(
      `WITH forgotten AS (
         INSERT INTO "CampaignForgottenContacts" ("campaignId", "contactId", "createdAt")
         SELECT c.id, $2, $3 FROM "Campaigns" c
          WHERE c.id = $1 AND c.status = 'EM_ANDAMENTO'
            AND NOT EXISTS (SELECT 1 FROM "CampaignShipping" s
                             WHERE s."campaignId" = $1 AND s."contactId" = $2)
         ON CONFLICT DO NOTHING
         RETURNING "campaignId")
       UPDATE "CampaignProgress" p SET "left" = GREATEST(p."left" - 1, 0)
         FROM forgotten
        WHERE p."campaignId" = forgotten."campaignId" AND p.shard = $2 % ${PROGRESS_SHARDS}
       RETURNING p."left"`,
      [campaignId, itemId, now],
    );
    return row === undefined ? null : this.progress(campaignId, row.left, now);
  }

  async loadForPrepare(campaignId: number, itemId: number): Promise<CampaignForPrepare | null> {
    const [row] = await this.select<Record<string, unknown>>(
      `SELECT c.id, c."companyId", c.status, c.confirmation, c."whatsappId", c."lastItemId",
              c.message1, c.message2, c.message3, c.message4, c.message5,
              c."confirmationMessage1", c."confirmationMessage2", c."confirmationMessage3",
              c."confirmationMessage4", c."confirmationMessage5",
              i.id AS "itemId", i.name, i.number, i.email, i."isGroup",
              (SELECT s.value FROM "CampaignSettings" s
                WHERE s."companyId" = c."companyId" AND s.key = 'variables') AS variables
         FROM "Campaigns" c
         LEFT JOIN "ContactListItems" i ON i.id = $2 AND i."contactListId" = c."contactListId"
        WHERE c.id = $1`,
      [campaignId, itemId],
    );
    if (row === undefined) return null;
    const texts = (prefix: string) => [1, 2, 3, 4, 5].map((n) => row[`${prefix}${n}`] as string);
    return {
      id: row.id as number,
      companyId: row.companyId as number,
      status: row.status as string,
      confirmation: row.confirmation as boolean,
      whatsappId: (row.whatsappId as number | null) ?? null,
      lastItemId: (row.lastItemId as number | null) ?? null,
      messages: texts("message"),
      confirmationMessages: texts("confirmationMessage"),
      item:
        row.itemId === null
          ? null
          : {
              id: row.itemId as number,
              name: row.name as string,
              number: row.number as string,
              email: row.email as string,
              isGroup: row.isGroup as boolean,
            },
      variables: (row.variables as string | null) ?? null,
    };
  }

  /**
   * Creates the shipping (one per campaign and contact, by constraint); an existing one keeps its
   * message and state (a re-run must not change what may already be sent) and is returned as is.
   */
  async upsertShipping(s: NewShipping): Promise<ShippingState> {
    const [row] = await this.select<ShippingState>(
      `INSERT INTO "CampaignShipping"
              ("campaignId", "contactId", number, message, "confirmationMessage", "dueAt", "jobId")
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT ("campaignId", "contactId") DO UPDATE SET "jobId" = EXCLUDED."jobId"
       RETURNING id, (xmax = 0) AS created, "dueAt", "deliveredAt", "failedAt",
                 "confirmationRequestedAt"`,
      [s.campaignId, s.contactId, s.number, s.message, s.confirmationMessage, s.dueAt, s.jobId],
    );
    return requireRow(row);
  }

  /**
   * PrepareContact for a page: the campaign as loadForPrepare reads it (without `item`), and the
   * page's items still in the campaign's list, in id order; null when the campaign is missing.
   */
  async loadPageForPrepare(
    campaignId: number,
    itemIds: readonly number[],
  ): Promise<(Omit<CampaignForPrepare, "item"> & { items: ContactItem[] }) | null> {
    const campaign = await this.loadForPrepare(campaignId, 0);
    if (campaign === null) return null;
    const items = await this.select<ContactItem>(
      `SELECT i.id, i.name, i.number, i.email, i."isGroup"
         FROM "ContactListItems" i JOIN "Campaigns" c ON c."contactListId" = i."contactListId"
        WHERE c.id = $1 AND i.id = ANY($2::int[]) ORDER BY i.id`,
      [campaignId, itemIds],
    );
    const { item: _none, ...rest } = campaign;
    return { ...rest, items };
  }

  /**
   * upsertShipping for many contacts in one statement: each row is created once per campaign and
   * contact; existing rows keep their message and state. Returns every row's state by contact.
   */
  async upsertShippings(
    rows: readonly NewShipping[],
  ): Promise<(ShippingState & { contactId: number })[]> {
    if (rows.length === 0) return [];
    return this.select<ShippingState & { contactId: number }>(
      `INSERT INTO "CampaignShipping"
              ("campaignId", "contactId", number, message, "confirmationMessage", "dueAt", "jobId")
       SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::text[],
                            $6::timestamptz[], $7::text[])
       ON CONFLICT ("campaignId", "contactId") DO UPDATE SET "jobId" = EXCLUDED."jobId"
       RETURNING id, "contactId", (xmax = 0) AS created, "dueAt", "deliveredAt", "failedAt",
                 "confirmationRequestedAt"`,
      shippingColumns(rows),
    );
  }

  async loadForDispatch(shippingId: number): Promise<ShippingForDispatch | null> {
    const [row] = await this.loadManyForDispatch([shippingId]);
    return row ?? null;
  }

  /** loadForDispatch for a DispatchCampaign batch, in one statement; the rows found, by id. */
  async loadManyForDispatch(shippingIds: readonly number[]): Promise<ShippingForDispatch[]> {
    const rows = await this.prepared<DispatchRow>(
      "campaign-load-for-dispatch",
      `SELECT ${DISPATCH_COLUMNS}
         FROM "CampaignShipping" s
         JOIN "Campaigns" c ON c.id = s."campaignId"
         LEFT JOIN "ContactListItems" i ON i.id = s."contactId"
         LEFT JOIN "Whatsapps" w ON w.id = c."whatsappId" AND w."deletedAt" IS NULL
        WHERE s.id = ANY($1::int[])
        ORDER BY s.id`,
      [shippingIds],
    );
    return rows.map(withConnection);
  }

  /**
   * The connection's schedule: up to `limit` pending shippings of its running campaigns, the
   * earliest due first (ties in shipping order), in one statement. Each campaign contributes its
   * own first `limit` from the pending index, so the cost depends on the number of running
   * campaigns on the connection, not on their sizes; a campaign that is not EM_ANDAMENTO (e.g.
   * CANCELADA) contributes nothing from the moment its status changes. `after` (the last one a
   * run has handled) continues past it: the index keeps the entries of settled shippings until
   * VACUUM, and a run that started from the head each time would step over all of them.
   */
  async dueOnConnection(
    whatsappId: number,
    limit: number,
    after?: { readonly dueAt: Date; readonly id: number },
  ): Promise<ShippingForDispatch[]> {
    const rows = await this.prepared<DispatchRow>(
      "campaign-due-on-connection",
      `SELECT ${DISPATCH_COLUMNS}
         FROM "Campaigns" c
         CROSS JOIN LATERAL (
           SELECT p.* FROM "CampaignShipping" p
            WHERE p."campaignId" = c.id AND ${pending("p")}
              AND (p."dueAt", p.id) > ($3::timestamptz, $4::int)
            ORDER BY p."dueAt", p.id LIMIT $2) s
         LEFT JOIN "ContactListItems" i ON i.id = s."contactId"
         LEFT JOIN "Whatsapps" w ON w.id = c."whatsappId" AND w."deletedAt" IS NULL
        WHERE c."whatsappId" = $1 AND c.status = 'EM_ANDAMENTO'
        ORDER BY s."dueAt", s.id LIMIT $2`,
      [whatsappId, limit, after?.dueAt ?? "-infinity", after?.id ?? 0],
    );
    return rows.map(withConnection);
  }

  /**
   * Connections of running campaigns with a pending shipping due before `before` (the reconcile:
   * their sender should have sent it by now), with the company of one such campaign.
   */
  connectionsOverdue(
    before: Date,
    limit: number,
  ): Promise<{ whatsappId: number; companyId: number }[]> {
    return this.select(
      `SELECT c."whatsappId", min(c."companyId") AS "companyId" FROM "Campaigns" c
        WHERE c.status = 'EM_ANDAMENTO' AND c."whatsappId" IS NOT NULL
          AND EXISTS (SELECT 1 FROM "CampaignShipping" s
                       WHERE s."campaignId" = c.id AND ${pending("s")} AND s."dueAt" < $1)
        GROUP BY c."whatsappId" ORDER BY c."whatsappId" LIMIT $2`,
      [before, limit],
    );
  }

  /**
   * Writes the shippings of the next page of the list, up to `limit` items in (after, lastItemId]
   * in id order, in one statement that reads the items and fills their messages in Postgres: no
   * item or message passes through the worker (whose heap a million of them inflated). The item
   * at page row k (from 1) is at `position + k − 1` of the campaign, is due at its paced time, and
   * gets `messages[pick.message[k − 1]]` (the first one past the picks; the confirmation likewise). Existing shippings are
   * kept (one per campaign and contact). How many items the page had, and its last item id.
   */
  async expandPage(page: ExpansionPage): Promise<{ items: number; through: number | null }> {
    const { pacing } = page;
    const bind: unknown[] = [
      page.listId,
      page.after,
      page.lastItemId,
      page.limit,
      page.campaignId,
      page.jobId,
      page.start.toISOString(),
      page.position,
      pacing.messageInterval,
      Math.max(0, Math.floor(pacing.longerIntervalAfter)),
      pacing.greaterInterval,
      page.picks.message,
      page.picks.confirmation,
    ];
    const text = (parts: readonly CampaignMessagePart[]): string => {
      if (parts.length === 0) return "''";
      return parts
        .map((part) => {
          if (typeof part !== "string") return `COALESCE(i.${ITEM_COLUMN[part.variable]}, '')`;
          bind.push(part);
          return `$${bind.length}::text`;
        })
        .join(" || ");
    };
    const choice = (candidates: readonly (readonly CampaignMessagePart[])[], pick: string) =>
      candidates.length === 0
        ? null
        : `CASE ${pick} ${candidates.map((c, n) => `WHEN ${n} THEN ${text(c)}`).join(" ")} END`;
    const message = choice(page.messages, "COALESCE(p.message[i.k], 0)") ?? "''";
    const confirmation =
      page.confirmations === null
        ? "NULL"
        : (choice(page.confirmations, "COALESCE(p.confirmation[i.k], 0)") ?? "NULL");
    const [row] = await this.select<{ items: number; through: number | null }>(
      `WITH page AS (
         SELECT x.*, row_number() OVER (ORDER BY x.id) AS k
           FROM (SELECT id, name, number, email FROM "ContactListItems"
                  WHERE "contactListId" = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT $4) x
       ), created AS (
         INSERT INTO "CampaignShipping"
                ("campaignId", "contactId", number, message, "confirmationMessage", "dueAt", "jobId")
         SELECT $5::int, i.id, i.number, ${message}, ${confirmation},
                $7::timestamptz + round(((q.pos - q.longer) * $9::numeric
                                         + q.longer * $11::numeric) * 1000)::float8
                                  * interval '1 millisecond',
                $6::text
           FROM page i
           CROSS JOIN (SELECT $12::int[] AS message, $13::int[] AS confirmation) p
           CROSS JOIN LATERAL (
             SELECT $8::bigint + i.k - 1 AS pos,
                    CASE WHEN $10::int > 0 THEN ($8::bigint + i.k - 1) / $10::int ELSE 0 END AS longer
           ) q
          ORDER BY i.id
         ON CONFLICT ("campaignId", "contactId") DO NOTHING
         RETURNING 1)
       SELECT (SELECT count(*)::int FROM page) AS items, (SELECT max(id) FROM page) AS through,
              (SELECT count(*)::int FROM created) AS created`,
      bind,
    );
    return { items: row?.items ?? 0, through: row?.through ?? null };
  }

  /**
   * Where an interrupted expansion resumes: after the last item whose page was written, at its
   * position (for the pacing); from the start when none was.
   */
  async expansionResume(campaignId: number): Promise<{ after: number; position: number }> {
    const [row] = await this.select<{ after: number; position: number }>(
      `SELECT COALESCE("expandedThrough", 0) AS after, COALESCE("expandedCount", 0) AS position
         FROM "Campaigns" WHERE id = $1`,
      [campaignId],
    );
    return row ?? { after: 0, position: 0 };
  }

  /** Notes that the expansion wrote every item up to `through`, `count` items in all. */
  async expansionProgress(campaignId: number, through: number, count: number): Promise<void> {
    await this.select(
      `UPDATE "Campaigns" SET "expandedThrough" = $2, "expandedCount" = $3
        WHERE id = $1 RETURNING id`,
      [campaignId, through, count],
    );
  }

  /**
   * Writes shippings that do not exist yet (one per campaign and contact: an existing one keeps
   * its message and state), in one statement; how many were created.
   */
  async insertShippings(rows: readonly NewShipping[]): Promise<number> {
    if (rows.length === 0) return 0;
    // A prepared statement on the pool's connection: no per-page query building by Sequelize,
    // which kept the expansion's garbage (and the worker's RSS) up on long lists.
    const [row] = await this.prepared<{ n: number }>(
      "campaign-insert-shippings",
      `WITH created AS (
         INSERT INTO "CampaignShipping"
                ("campaignId", "contactId", number, message, "confirmationMessage", "dueAt", "jobId")
         SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::text[],
                              $6::timestamptz[], $7::text[])
         ON CONFLICT ("campaignId", "contactId") DO NOTHING
         RETURNING 1)
       SELECT count(*)::int AS n FROM created`,
      shippingColumns(rows),
    );
    return row?.n ?? 0;
  }

  /**
   * Marks the campaign fully expanded (once) and, in the same statement, counts off each shard's
   * contacts that left the list before their shipping was written: the snapshot's total, less
   * the shard's shippings, less those forgotten already (removed with their shipping, or by a
   * PrepareContact). False when an earlier call had marked it.
   */
  markExpandedCounting(id: number, now: Date): Promise<boolean> {
    return this.change(
      `WITH marked AS (
         UPDATE "Campaigns" SET "expandedAt" = $2, "updatedAt" = $2
          WHERE id = $1 AND "expandedAt" IS NULL RETURNING id
       ), shipped AS (
         SELECT "contactId" % ${PROGRESS_SHARDS} AS shard, count(*)::int AS n
           FROM "CampaignShipping" WHERE "campaignId" = $1 GROUP BY 1
       ), forgotten AS (
         SELECT "contactId" % ${PROGRESS_SHARDS} AS shard, count(*)::int AS n
           FROM "CampaignForgottenContacts" WHERE "campaignId" = $1 GROUP BY 1
       ), missing AS (
         SELECT p.shard, p.total - COALESCE(s.n, 0) - COALESCE(f.n, 0) AS n
           FROM "CampaignProgress" p
           LEFT JOIN shipped s ON s.shard = p.shard LEFT JOIN forgotten f ON f.shard = p.shard
          WHERE p."campaignId" = $1 AND p.total IS NOT NULL AND EXISTS (SELECT 1 FROM marked)
       ), counted AS (
         UPDATE "CampaignProgress" p SET "left" = GREATEST(p."left" - m.n, 0)
           FROM missing m WHERE p."campaignId" = $1 AND p.shard = m.shard AND m.n > 0
         RETURNING p.shard
       )
       SELECT id, (SELECT count(*) FROM counted) AS counted FROM marked`,
      [id, now],
    );
  }

  /** Names the DispatchCampaign job that now holds these shippings. */
  async setJobId(shippingIds: readonly number[], jobId: string, now: Date): Promise<void> {
    await this.select(
      `UPDATE "CampaignShipping" SET "jobId" = $2, "updatedAt" = $3
        WHERE id = ANY($1::int[]) RETURNING id`,
      [shippingIds, jobId, now],
    );
  }

  /** Settles the shipping once; null when it was settled before (nothing changes then). */
  async settle(shippingId: number, how: Settlement, now: Date): Promise<CampaignProgress | null> {
    const delivered = how.kind === "delivered" ? how.at : null;
    const failed = how.kind === "failed" ? [how.at, how.reason] : [null, null];
    const [row] = await this.select<{ campaignId: number; left: number }>(SETTLE_SQL, [
      shippingId,
      delivered,
      ...failed,
      now,
    ]);
    return row === undefined ? null : this.progress(row.campaignId, row.left, now);
  }

  /**
   * The ledger key `sent` and the shipping delivered, in one statement (SENT_SQL). Throws
   * LedgerNotSendingError when the key was neither `sending` nor `sent` with this WhatsApp id
   * (nothing changes then); null when the shipping was settled before.
   */
  async settleSent(
    shippingId: number,
    ledger: { key: string; wid: string; sentAt: Date },
    at: Date,
    now: Date,
  ): Promise<CampaignProgress | null> {
    const [row] = await this.prepared<{ sent: boolean; campaignId: number | null; left: number }>(
      "campaign-sent",
      SENT_SQL,
      [ledger.key, ledger.wid, ledger.sentAt, shippingId, at, now],
    );
    if (row === undefined || !row.sent) throw new LedgerNotSendingError(ledger.key);
    return row.campaignId === null ? null : this.progress(row.campaignId, row.left, now);
  }

  /**
   * settleSent for a batch (SENT_MANY_SQL): the keys marked `sent` (their shippings delivered,
   * once) and the campaigns this finished. Callers on one connection run it one at a time: two
   * batches of a campaign would lock its shards in no set order.
   */
  async settleSentMany(
    sent: readonly SentShipping[],
    at: Date,
  ): Promise<{ sent: Set<string>; finished: Set<number> }> {
    const [row] = await this.prepared<{ sent: string[]; settled: number; drained: number[] }>(
      "campaign-sent-many",
      SENT_MANY_SQL,
      [
        sent.map((s) => s.key),
        sent.map((s) => s.wid),
        sent.map((s) => s.sentAt.toISOString()),
        sent.map((s) => s.shippingId),
        at.toISOString(),
      ],
    );
    const finished = new Set<number>();
    // Some were settled before (a retry after a lost reply): their campaign may have nothing
    // left with no settlement here to see it.
    const drained = new Set(row?.drained ?? []);
    if ((row?.settled ?? 0) < (row?.sent.length ?? 0))
      for (const s of sent) drained.add(s.campaignId);
    for (const campaignId of drained) {
      if (await this.finishIfDone(campaignId, at)) finished.add(campaignId);
    }
    return { sent: new Set(row?.sent ?? []), finished };
  }

  /** After a shard went down: when it reached 0, the campaign finishes if every shard did. */
  private async progress(campaignId: number, left: number, now: Date): Promise<CampaignProgress> {
    const finished = left === 0 && (await this.finishIfDone(campaignId, now));
    return { campaignId, finished };
  }

  markConfirmationRequested(shippingId: number, now: Date): Promise<boolean> {
    return this.change(
      `UPDATE "CampaignShipping" SET "confirmationRequestedAt" = $2, "updatedAt" = $2
        WHERE id = $1 AND "confirmationRequestedAt" IS NULL RETURNING id`,
      [shippingId, now],
    );
  }

  /** The campaign's delivery counts (as the progress endpoint reads them), or null when gone. */
  progressCounts(id: number): Promise<CampaignCounts | null> {
    return new SequelizeCampaignProgressStore(this.sequelize).counts(id);
  }

  /** The campaign row as the frontend knows it (for `company-<id>-campaign` events). */
  async campaignRecord(id: number): Promise<Record<string, unknown> | null> {
    const [row] = await this.select<Record<string, unknown>>(
      `SELECT * FROM "Campaigns" WHERE id = $1`,
      [id],
    );
    return row ?? null;
  }

  private prepared<T extends object>(name: string, sql: string, bind: unknown[]) {
    return preparedRows<T>(this.sequelize, name, sql, bind);
  }

  private select<T extends object = CampaignRef>(sql: string, bind: unknown[]): Promise<T[]> {
    return selectRows<T>(this.sequelize, sql, bind);
  }

  private async change(sql: string, bind: unknown[]): Promise<boolean> {
    return (await this.select<{ id: number }>(sql, bind)).length > 0;
  }
}
