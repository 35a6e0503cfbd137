// The SQL behind ScheduleService. Parameterized; the due and stranded queries are shaped to the
// partial indexes schedules_pending_send_at_idx and schedules_agendada_send_at_idx ("sendAt" WHERE
// status = …), so their cost follows the schedules due. Every status change is conditional on the
// occurrence (status and sendAt) it was decided for, so a stale job or a concurrent run changes nothing.
import type { Sequelize } from "sequelize";
import type {
  ScheduleForSend,
  ScheduleOccurrence,
  ScheduleStore,
} from "../../../services/ports/schedule-store";
import { selectRows } from "./rows";

const OCCURRENCE = `id, "companyId", "sendAt", status`;

export class SequelizeScheduleStore implements ScheduleStore {
  constructor(private readonly sequelize: Sequelize) {}

  findPending(from: Date, to: Date, limit: number): Promise<ScheduleOccurrence[]> {
    return this.select(
      `SELECT ${OCCURRENCE} FROM "Schedules"
        WHERE status = 'PENDENTE' AND "sentAt" IS NULL AND "sendAt" >= $1 AND "sendAt" <= $2
        ORDER BY "sendAt", id LIMIT $3`,
      [from, to, limit],
    );
  }

  markStale(before: Date, now: Date, staleFor: string): Promise<ScheduleOccurrence[]> {
    return this.select(
      `UPDATE "Schedules" SET status = 'ERRO', "updatedAt" = $2,
              "errorReason" = 'stale: due at '
                || to_char("sendAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                || ' and not sent within ' || $3::text
        WHERE status = 'PENDENTE' AND "sentAt" IS NULL AND "sendAt" < $1
        RETURNING ${OCCURRENCE}`,
      [before, now, staleFor],
    );
  }

  findScheduled(from: Date, to: Date, limit: number): Promise<ScheduleOccurrence[]> {
    return this.select(
      `SELECT ${OCCURRENCE} FROM "Schedules"
        WHERE status = 'AGENDADA' AND "sendAt" >= $1 AND "sendAt" < $2
        ORDER BY "sendAt", id LIMIT $3`,
      [from, to, limit],
    );
  }

  markError(id: number, sendAt: Date, now: Date, reason: string): Promise<boolean> {
    return this.change(
      `UPDATE "Schedules" SET status = 'ERRO', "updatedAt" = $3, "errorReason" = $4
        WHERE id = $1 AND "sendAt" = $2 AND status IN ('PENDENTE', 'AGENDADA') RETURNING id`,
      [id, sendAt, now, reason],
    );
  }

  async markAllScheduled(
    occurrences: readonly { readonly id: number; readonly sendAt: Date }[],
    now: Date,
  ): Promise<number> {
    if (occurrences.length === 0) return 0;
    const rows = await this.select<{ id: number }>(
      `UPDATE "Schedules" s SET status = 'AGENDADA', "updatedAt" = $3
         FROM unnest($1::int[], $2::timestamptz[]) AS o(id, "sendAt")
        WHERE s.id = o.id AND s."sendAt" = o."sendAt" AND s.status = 'PENDENTE'
        RETURNING s.id`,
      [occurrences.map((o) => o.id), occurrences.map((o) => o.sendAt.toISOString()), now],
    );
    return rows.length;
  }

  async findForSend(id: number): Promise<ScheduleForSend | null> {
    const [row] = await this.select<ScheduleForSend>(
      `SELECT s.id, s."companyId", s."sendAt", s.status, s.body, s."whatsappId", s."openTicket",
              s."queueId", s."ticketUserId", s."statusTicket", s."contactId",
              s."mediaPath", s.assinar, s.intervalo, s."valorIntervalo", s."enviarQuantasVezes",
              s."contadorEnvio", u.name AS "userName", c.name AS "contactName",
              c.number AS "contactNumber", c."isGroup" AS "contactIsGroup", co.timezone
         FROM "Schedules" s
         JOIN "Contacts" c ON c.id = s."contactId"
         JOIN "Companies" co ON co.id = s."companyId"
         LEFT JOIN "Users" u ON u.id = s."userId"
        WHERE s.id = $1`,
      [id],
    );
    return row ?? null;
  }

  async defaultConnection(companyId: number): Promise<number | null> {
    const [row] = await this.select<{ id: number }>(
      `SELECT id FROM "Whatsapps" WHERE "companyId" = $1 AND "deletedAt" IS NULL
        ORDER BY "isDefault" DESC, id LIMIT 1`,
      [companyId],
    );
    return row?.id ?? null;
  }

  reschedule(id: number, sendAt: Date, nextSendAt: Date, now: Date): Promise<boolean> {
    return this.change(
      `UPDATE "Schedules"
          SET status = 'PENDENTE', "sendAt" = $3, "contadorEnvio" = "contadorEnvio" + 1, "updatedAt" = $4,
              "errorReason" = NULL
        WHERE id = $1 AND "sendAt" = $2 AND status IN ('PENDENTE', 'AGENDADA') RETURNING id`,
      [id, sendAt, nextSendAt, now],
    );
  }

  markSent(id: number, sendAt: Date, now: Date): Promise<boolean> {
    return this.change(
      `UPDATE "Schedules" SET status = 'ENVIADA', "sentAt" = $3, "updatedAt" = $3, "errorReason" = NULL
        WHERE id = $1 AND "sendAt" = $2 AND status IN ('PENDENTE', 'AGENDADA') RETURNING id`,
      [id, sendAt, now],
    );
  }

  rearm(id: number, sendAt: Date, now: Date): Promise<boolean> {
    return this.change(
      `UPDATE "Schedules" SET status = 'PENDENTE', "sendAt" = $2, "errorReason" = NULL, "updatedAt" = $3
        WHERE id = $1 AND status = 'ERRO' RETURNING id`,
      [id, sendAt, now],
    );
  }

  private select<T extends object = ScheduleOccurrence>(
    sql: string,
    bind: unknown[],
  ): Promise<T[]> {
    return selectRows<T>(this.sequelize, sql, bind);
  }

  private async change(sql: string, bind: unknown[]): Promise<boolean> {
    return (await this.select<{ id: number }>(sql, bind)).length > 0;
  }
}
