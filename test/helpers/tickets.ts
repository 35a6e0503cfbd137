// Builds the rows the ticket crons work on (companies, connections, queues, attendants, contacts,
// tickets, lanes) with plain parameterized INSERTs, and backdates tickets so that "idle for
// 3 hours" needs no waiting: the clock a test controls is the rows' timestamps.
import { QueryTypes, type Sequelize } from "sequelize";

let seq = 0;
const unique = (what: string) => `${what} ${process.pid}-${++seq}`;

export class TicketWorld {
  constructor(readonly sql: Sequelize) {}

  private async insert(sql: string, bind: unknown[]): Promise<number> {
    const [row] = await this.sql.query<{ id: number }>(`${sql} RETURNING id`, {
      bind,
      type: QueryTypes.SELECT,
    });
    if (!row) throw new Error("no row inserted");
    return row.id;
  }

  async company(
    opts: { kanban?: boolean; greeting?: boolean; active?: boolean; timezone?: string } = {},
  ): Promise<number> {
    const planId = await this.insert(
      `INSERT INTO "Plans" (name, "useKanban", "createdAt", "updatedAt") VALUES ($1, $2, now(), now())`,
      [unique("Plano"), opts.kanban ?? true],
    );
    const id = await this.insert(
      `INSERT INTO "Companies" (name, status, "planId", timezone, "createdAt", "updatedAt")
       VALUES ($1, $2, $3, $4, now(), now())`,
      [unique("Empresa"), opts.active ?? true, planId, opts.timezone ?? "America/Sao_Paulo"],
    );
    await this.sql.query(
      `INSERT INTO "CompaniesSettings" ("companyId", "sendGreetingMessageOneQueues", "createdAt", "updatedAt")
       VALUES ($1, $2, now(), now())`,
      { bind: [id, opts.greeting ? "enabled" : "disabled"] },
    );
    return id;
  }

  queue(
    companyId: number,
    opts: { routed?: boolean; tempoRoteador?: number } = {},
  ): Promise<number> {
    return this.insert(
      `INSERT INTO "Queues" (name, color, "ativarRoteador", "tempoRoteador", "companyId", "createdAt", "updatedAt")
       VALUES ($1, '#000', $2, $3, $4, now(), now())`,
      [unique("Fila"), opts.routed ?? false, opts.tempoRoteador ?? 0, companyId],
    );
  }

  connection(
    companyId: number,
    opts: {
      status?: string;
      timeSendQueue?: number;
      sendIdQueue?: number | null;
      expiresTicket?: number;
      farewell?: string | null;
      deleted?: boolean;
      updatedDaysAgo?: number;
    } = {},
  ): Promise<number> {
    return this.insert(
      `INSERT INTO "Whatsapps" (name, status, "companyId", "timeSendQueue", "sendIdQueue", "expiresTicket",
         "expiresInactiveMessage", "deletedAt", "createdAt", "updatedAt")
       VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8 THEN now() END, now(),
               now() - $9 * interval '1 day')`,
      [
        unique("Conexão"),
        opts.status ?? "CONNECTED",
        companyId,
        opts.timeSendQueue ?? 0,
        opts.sendIdQueue ?? null,
        opts.expiresTicket ?? 0,
        opts.farewell ?? null,
        opts.deleted === true,
        opts.updatedDaysAgo ?? 0,
      ],
    );
  }

  async user(
    companyId: number,
    opts: { profile?: "admin" | "user"; online?: boolean; queues?: number[]; name?: string } = {},
  ): Promise<number> {
    const name = opts.name ?? unique("Atendente");
    const id = await this.insert(
      `INSERT INTO "Users" (name, email, "passwordHash", profile, online, "companyId", "createdAt", "updatedAt")
       VALUES ($1, $2, 'x', $3, $4, $5, now(), now())`,
      [
        name,
        `${unique("u").replace(/\s/g, "")}@example.com`,
        opts.profile ?? "user",
        opts.online ?? true,
        companyId,
      ],
    );
    for (const queueId of opts.queues ?? []) {
      await this.sql.query(
        `INSERT INTO "UserQueues" ("userId", "queueId", "createdAt", "updatedAt") VALUES ($1, $2, now(), now())`,
        { bind: [id, queueId] },
      );
    }
    return id;
  }

  contact(companyId: number, opts: { name?: string; isGroup?: boolean } = {}): Promise<number> {
    return this.insert(
      `INSERT INTO "Contacts" (name, number, "isGroup", "companyId", "createdAt", "updatedAt")
       VALUES ($1, $2, $3, $4, now(), now())`,
      [
        opts.name ?? unique("Cliente"),
        `55119${String(++seq).padStart(8, "0")}`,
        opts.isGroup ?? false,
        companyId,
      ],
    );
  }

  async ticket(
    companyId: number,
    opts: {
      status?: "open" | "pending" | "closed";
      whatsappId?: number | null;
      queueId?: number | null;
      userId?: number | null;
      idleMinutes?: number;
      isGroup?: boolean;
      fromMe?: boolean;
      contactName?: string;
    } = {},
  ): Promise<number> {
    const contactId = await this.contact(companyId, {
      isGroup: opts.isGroup ?? false,
      ...(opts.contactName === undefined ? {} : { name: opts.contactName }),
    });
    return this.insert(
      `INSERT INTO "Tickets" (status, "contactId", "whatsappId", "queueId", "userId", "companyId", "isGroup",
         "fromMe", "unreadMessages", "createdAt", "updatedAt")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 3, now() - $9 * interval '1 minute', now() - $9 * interval '1 minute')`,
      [
        opts.status ?? "pending",
        contactId,
        opts.whatsappId ?? null,
        opts.queueId ?? null,
        opts.userId ?? null,
        companyId,
        opts.isGroup ?? false,
        opts.fromMe ?? false,
        opts.idleMinutes ?? 0,
      ],
    );
  }

  lane(
    companyId: number,
    opts: { timeLane?: number; nextLaneId?: number | null; greeting?: string | null } = {},
  ): Promise<number> {
    return this.insert(
      `INSERT INTO "Tags" (name, "timeLane", "nextLaneId", "greetingMessageLane", kanban, "companyId", "createdAt", "updatedAt")
       VALUES ($1, $2, $3, $4, 1, $5, now(), now())`,
      [
        unique("Lane"),
        opts.timeLane ?? 0,
        opts.nextLaneId ?? null,
        opts.greeting ?? null,
        companyId,
      ],
    );
  }

  /** Puts the ticket in the lane since `minutesAgo`. */
  async tag(ticketId: number, tagId: number, minutesAgo = 0): Promise<void> {
    await this.sql.query(
      `INSERT INTO "TicketTags" ("ticketId", "tagId", "createdAt", "updatedAt")
       VALUES ($1, $2, now() - $3 * interval '1 minute', now() - $3 * interval '1 minute')`,
      { bind: [ticketId, tagId, minutesAgo] },
    );
  }

  /**
   * An open ticket of João Souza on a new connection of the company, due to move on: last
   * answered by the company 130 minutes ago and in a lane of 2 hours for as long, whose next lane
   * greets "{{firstName}}, sua proposta está pronta".
   */
  async dueForNextLane(
    companyId: number,
  ): Promise<{ connection: number; next: number; ticket: number }> {
    const connection = await this.connection(companyId);
    const next = await this.lane(companyId, {
      greeting: "{{firstName}}, sua proposta está pronta",
    });
    const lane = await this.lane(companyId, { timeLane: 2, nextLaneId: next });
    const ticket = await this.ticket(companyId, {
      status: "open",
      fromMe: true,
      whatsappId: connection,
      idleMinutes: 130,
      contactName: "João Souza",
    });
    await this.tag(ticket, lane, 130);
    return { connection, next, ticket };
  }

  async rows<T extends object>(sql: string, bind: unknown[] = []): Promise<T[]> {
    return this.sql.query<T>(sql, { bind, type: QueryTypes.SELECT });
  }
}
