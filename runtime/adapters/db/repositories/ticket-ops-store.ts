// The SQL behind the ticket crons (TicketOpsService): find tickets by criteria across companies,
// update a found set in one statement, log them, and read what their messages need. Every value
// is a bind parameter; the WHERE clauses are chosen from fixed fragments. An update only touches a
// ticket that has not changed since it was found (same "updatedAt" to the microsecond), so two
// workers running one cron at once change each ticket once.
import { QueryTypes, type Sequelize } from "sequelize";
import type {
  FoundTicket,
  IdleRule,
  MessageSetting,
  TicketChange,
  TicketCriteria,
  TicketLogRow,
  TicketMessageContext,
  TicketOpsStore,
  TicketUpdateRow,
  UpdatedTicket,
} from "../../../services/ports/ticket-ops-store";
import { MESSAGE_SETTINGS } from "../../../services/ports/ticket-ops-store";
import { SqlParams, ticketJson } from "./sql-params";

const STAMP = `((extract(epoch from t."updatedAt") * 1000000)::bigint)::text`;

function idleCondition(rule: IdleRule, p: SqlParams, at: Date): string {
  const now = rule.kind === "none" ? "" : p.add(at);
  switch (rule.kind) {
    case "none":
      return "";
    case "minutes":
      return ` AND t."updatedAt" < ${now}::timestamptz - ${p.add(rule.minutes)}::float8 * interval '1 minute'`;
    case "connectionTimeSendQueue":
      return ` AND w."timeSendQueue" > 0 AND t."updatedAt" < ${now}::timestamptz - w."timeSendQueue" * interval '1 minute'`;
    case "connectionExpiresTicket":
      return ` AND w."expiresTicket" > 0 AND t."updatedAt" < ${now}::timestamptz - w."expiresTicket" * interval '1 hour'`;
    case "queueTempoRoteador":
      return ` AND q."tempoRoteador" > 0 AND t."updatedAt" < ${now}::timestamptz - q."tempoRoteador" * interval '1 minute'`;
  }
}

function queueCondition(queue: TicketCriteria["queue"], p: SqlParams): string {
  if (queue === undefined || queue === "any") return "";
  if (queue === "none") return ` AND t."queueId" IS NULL`;
  if (queue === "routed") return ` AND q."ativarRoteador" AND q."tempoRoteador" <> 0`;
  return ` AND t."queueId" = ${p.add(queue)}`;
}

/** The statement `findTickets` runs for these criteria, with its bind values (for EXPLAIN checks). */
export function findTicketsSql(c: TicketCriteria, now: Date): { sql: string; bind: unknown[] } {
  const p = new SqlParams();
  let where =
    c.companyIds === undefined
      ? `t."companyId" IN (SELECT id FROM "Companies" WHERE status)`
      : `t."companyId" = ANY(${p.add(c.companyIds)}::int[])`;
  if (c.status !== undefined) where += ` AND t.status = ${p.add(c.status)}`;
  where += queueCondition(c.queue, p);
  if (c.whatsappId !== undefined) where += ` AND t."whatsappId" = ${p.add(c.whatsappId)}`;
  if (c.connected) where += ` AND w.status = 'CONNECTED' AND w."deletedAt" IS NULL`;
  where += idleCondition(c.idle ?? { kind: "none" }, p, now);
  if (c.user === "with") where += ` AND t."userId" IS NOT NULL`;
  if (c.user === "without") where += ` AND t."userId" IS NULL`;
  if (c.tagId !== undefined)
    where += ` AND EXISTS (SELECT 1 FROM "TicketTags" tt WHERE tt."ticketId" = t.id AND tt."tagId" = ${p.add(c.tagId)})`;
  if (c.groups === false) where += ` AND NOT t."isGroup"`;
  const limit = c.limit === undefined ? "" : ` LIMIT ${p.add(c.limit)}`;
  // Connections and queues only count when they belong to the ticket's company.
  const sql = `
SELECT t.id, t."companyId", t.status, t."whatsappId", t."queueId", t."userId", t."contactId",
       t."isGroup", t."updatedAt", ${STAMP} AS stamp, ct.number,
       sq.id AS "redirectQueueId", w."expiresInactiveMessage" AS farewell
  FROM "Tickets" t
  LEFT JOIN "Whatsapps" w ON w.id = t."whatsappId" AND w."companyId" = t."companyId"
  LEFT JOIN "Queues" q ON q.id = t."queueId" AND q."companyId" = t."companyId"
  LEFT JOIN "Queues" sq ON sq.id = w."sendIdQueue" AND sq."companyId" = t."companyId"
  LEFT JOIN "Contacts" ct ON ct.id = t."contactId"
 WHERE ${where}
 ORDER BY t."updatedAt", t.id${limit}`;
  return { sql, bind: p.values };
}

const UPDATE_TICKETS = `
WITH input AS (
  SELECT * FROM unnest($1::int[], $2::int[], $3::bigint[], $4::int[], $5::int[])
      AS x(id, "companyId", stamp, "queueId", "userId")
), changed AS (
  UPDATE "Tickets" t SET
    status = COALESCE($6, t.status),
    "queueId" = CASE WHEN $7 THEN x."queueId" ELSE t."queueId" END,
    "userId" = CASE WHEN $8 THEN x."userId" ELSE t."userId" END,
    "closedAt" = CASE WHEN $9 THEN $10::timestamptz ELSE t."closedAt" END,
    "unreadMessages" = CASE WHEN $9 THEN 0 ELSE t."unreadMessages" END,
    "updatedAt" = $10::timestamptz
  FROM input x
  WHERE t.id = x.id AND t."companyId" = x."companyId"
    AND (extract(epoch from t."updatedAt") * 1000000)::bigint = x.stamp
    AND (NOT $7 OR x."queueId" IS NULL OR EXISTS
         (SELECT 1 FROM "Queues" q WHERE q.id = x."queueId" AND q."companyId" = t."companyId"))
    AND (NOT $8 OR x."userId" IS NULL OR EXISTS
         (SELECT 1 FROM "Users" u WHERE u.id = x."userId" AND u."companyId" = t."companyId"))
  RETURNING t.*
)
SELECT ${ticketJson("t")} AS ticket, ${STAMP} AS stamp FROM changed t ORDER BY t.id`;

export class SequelizeTicketOpsStore implements TicketOpsStore {
  constructor(private readonly sequelize: Sequelize) {}

  async findTickets(criteria: TicketCriteria, now: Date): Promise<FoundTicket[]> {
    const { sql, bind } = findTicketsSql(criteria, now);
    const rows = await this.sequelize.query<Omit<FoundTicket, "updatedAt"> & { updatedAt: Date }>(
      sql,
      { bind, type: QueryTypes.SELECT },
    );
    return rows.map((r) => ({ ...r, updatedAt: new Date(r.updatedAt).toISOString() }));
  }

  async updateTickets(
    rows: readonly TicketUpdateRow[],
    change: TicketChange,
    now: Date,
  ): Promise<UpdatedTicket[]> {
    if (rows.length === 0) return [];
    const status = change.close ? "closed" : (change.status ?? null);
    return this.sequelize.query<UpdatedTicket>(UPDATE_TICKETS, {
      bind: [
        rows.map((r) => r.id),
        rows.map((r) => r.companyId),
        rows.map((r) => r.stamp),
        rows.map((r) => r.queueId),
        rows.map((r) => r.userId),
        status,
        change.setQueue === true,
        change.setUser === true,
        change.close === true,
        now,
      ],
      type: QueryTypes.SELECT,
    });
  }

  async logTickets(type: string, rows: readonly TicketLogRow[], now: Date): Promise<number> {
    if (rows.length === 0) return 0;
    const inserted = await this.sequelize.query<{ id: number }>(
      `INSERT INTO "LogTickets" (type, "ticketId", "userId", "queueId", "createdAt", "updatedAt")
       SELECT $1, x."ticketId", x."userId", x."queueId", $5, $5
         FROM unnest($2::int[], $3::int[], $4::int[]) AS x("ticketId", "userId", "queueId")
       RETURNING id`,
      {
        bind: [
          type,
          rows.map((r) => r.ticketId),
          rows.map((r) => r.userId),
          rows.map((r) => r.queueId),
          now,
        ],
        type: QueryTypes.SELECT,
      },
    );
    return inserted.length;
  }

  async messageContexts(
    ticketIds: readonly number[],
    setting: MessageSetting | null,
  ): Promise<TicketMessageContext[]> {
    if (ticketIds.length === 0) return [];
    if (setting !== null && !MESSAGE_SETTINGS.includes(setting))
      throw new RangeError(`unknown company setting ${setting}`);
    // The setting is one of MESSAGE_SETTINGS (checked above): a column name, never user text.
    const enabled = setting === null ? "true" : `COALESCE(cs."${setting}" = 'enabled', false)`;
    return this.sequelize.query<TicketMessageContext>(
      `SELECT t.id AS "ticketId", t."companyId", t."whatsappId", c.number,
              COALESCE(c."isGroup", t."isGroup") AS "isGroup", c.name AS "contactName",
              q.name AS "queueName", w.name AS "connectionName", u.name AS "userName",
              co.name AS "companyName", co.timezone, ${enabled} AS "settingEnabled"
         FROM "Tickets" t
         JOIN "Companies" co ON co.id = t."companyId"
         LEFT JOIN "Contacts" c ON c.id = t."contactId" AND c."companyId" = t."companyId"
         LEFT JOIN "Queues" q ON q.id = t."queueId" AND q."companyId" = t."companyId"
         LEFT JOIN "Whatsapps" w ON w.id = t."whatsappId" AND w."companyId" = t."companyId"
         LEFT JOIN "Users" u ON u.id = t."userId" AND u."companyId" = t."companyId"
         LEFT JOIN "CompaniesSettings" cs ON cs."companyId" = t."companyId"
        WHERE t.id = ANY($1::int[])
        ORDER BY t.id`,
      { bind: [ticketIds], type: QueryTypes.SELECT },
    );
  }
}
