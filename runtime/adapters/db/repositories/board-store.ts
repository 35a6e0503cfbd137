// The SQL behind companies, attendants and kanban lanes for the ticket crons. Parameterized;
// set-based: one statement picks attendants for a whole set of tickets, one moves every due lane.
import { QueryTypes, type Sequelize } from "sequelize";
import type {
  Attendant,
  AttendantCriteria,
  BoardStore,
  CompanyCriteria,
  FoundCompany,
  LaneMove,
  PickRequest,
} from "../../../services/ports/board-store";

const FEATURES: ReadonlySet<string> = new Set(["useKanban", "useCampaigns", "useSchedules"]);

// A move is a change of the ticket: its "updatedAt" becomes the move's time, so the next lane's
// hours count from the move (the ticket does not slide through every lane at once).
// The DELETE is the claim (a row another run removed first is skipped) and carries what the
// INSERT and the answer need, so no CTE is joined with another (their row counts are unknown to
// the planner, and a nested loop over two of them is quadratic).
export const MOVE_LANES = `
WITH due AS (
  SELECT tt."ticketId", tt."tagId", nt.id AS "toTagId", nt."greetingMessageLane" AS greeting,
         t."companyId", t."whatsappId", t."contactId", t."isGroup"
    FROM "Tags" g
    JOIN "Tags" nt ON nt.id = g."nextLaneId" AND nt."companyId" = g."companyId"
    JOIN "TicketTags" tt ON tt."tagId" = g.id
    JOIN "Tickets" t ON t.id = tt."ticketId" AND t."companyId" = g."companyId"
   WHERE g."companyId" = ANY($1::int[]) AND g."timeLane" > 0 AND nt.id <> g.id
     AND t.status = 'open' AND t."fromMe"
     AND t."updatedAt" < $2::timestamptz - g."timeLane" * interval '1 hour'
), removed AS (
  DELETE FROM "TicketTags" x USING due d
   WHERE x."ticketId" = d."ticketId" AND x."tagId" = d."tagId"
  RETURNING d.*
), added AS (
  INSERT INTO "TicketTags" ("ticketId", "tagId", "createdAt", "updatedAt")
  SELECT r."ticketId", r."toTagId", $2, $2 FROM removed r
  ON CONFLICT ("ticketId", "tagId") DO NOTHING
), touched AS (
  UPDATE "Tickets" t SET "updatedAt" = $2 FROM removed r WHERE t.id = r."ticketId"
)
SELECT r."ticketId", r."companyId", r."whatsappId", r."contactId", c.number, r."isGroup",
       r."tagId" AS "fromTagId", r."toTagId", r.greeting
  FROM removed r LEFT JOIN "Contacts" c ON c.id = r."contactId"
 ORDER BY r."ticketId"`;

/** One random eligible attendant per request (LATERAL on user_queues_queue_id_idx). */
export const PICK_ATTENDANTS = `
SELECT x."ticketId", pick.id AS "userId"
  FROM unnest($1::int[], $2::int[], $3::int[], $4::int[]) AS x("ticketId", "companyId", "queueId", "userId")
 CROSS JOIN LATERAL (
   SELECT u.id FROM "UserQueues" uq JOIN "Users" u ON u.id = uq."userId"
    WHERE uq."queueId" = x."queueId" AND u."companyId" = x."companyId"
      AND u.online AND u.profile = 'user' AND u.id IS DISTINCT FROM x."userId"
    ORDER BY random() LIMIT 1) pick`;

export class SequelizeBoardStore implements BoardStore {
  constructor(private readonly sequelize: Sequelize) {}

  async findCompanies(criteria: CompanyCriteria): Promise<FoundCompany[]> {
    const feature = criteria.feature;
    if (feature !== undefined && !FEATURES.has(feature))
      throw new RangeError(`unknown plan feature ${feature}`);
    // The feature is one of a fixed set of column names (checked above), never user text.
    const byFeature = feature === undefined ? "" : ` AND p."${feature}"`;
    return this.sequelize.query<FoundCompany>(
      `SELECT c.id, c.name, c.timezone FROM "Companies" c
         LEFT JOIN "Plans" p ON p.id = c."planId"
        WHERE ($1::boolean IS NULL OR c.status = $1)${byFeature}
        ORDER BY c.id`,
      { bind: [criteria.active === false ? null : true], type: QueryTypes.SELECT },
    );
  }

  async findAttendants(c: AttendantCriteria): Promise<Attendant[]> {
    return this.sequelize.query<Attendant>(
      `SELECT u.id, u.name, u.profile, u.online FROM "Users" u
        WHERE u."companyId" = $1
          AND ($2::int IS NULL OR EXISTS (SELECT 1 FROM "UserQueues" uq WHERE uq."userId" = u.id AND uq."queueId" = $2))
          AND ($3::boolean IS NULL OR u.online = $3)
          AND ($4::text IS NULL OR u.profile = $4)
        ORDER BY u.id`,
      {
        bind: [c.companyId, c.queueId ?? null, c.online ?? null, c.profile ?? null],
        type: QueryTypes.SELECT,
      },
    );
  }

  async pickAttendants(requests: readonly PickRequest[]): Promise<Map<number, number>> {
    if (requests.length === 0) return new Map();
    const rows = await this.sequelize.query<{ ticketId: number; userId: number }>(PICK_ATTENDANTS, {
      bind: [
        requests.map((r) => r.ticketId),
        requests.map((r) => r.companyId),
        requests.map((r) => r.queueId),
        requests.map((r) => r.userId),
      ],
      type: QueryTypes.SELECT,
    });
    return new Map(rows.map((r) => [r.ticketId, r.userId]));
  }

  async moveLanes(companyIds: readonly number[], now: Date): Promise<LaneMove[]> {
    if (companyIds.length === 0) return [];
    return this.sequelize.query<LaneMove>(MOVE_LANES, {
      bind: [companyIds, now],
      type: QueryTypes.SELECT,
    });
  }
}
