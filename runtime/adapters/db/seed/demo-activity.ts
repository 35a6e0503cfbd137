// Demo seed steps for work in flight: schedules coming due in the next minutes and tickets each
// ticket cron will act on (lost pending tickets, tickets to route, open tickets in kanban lanes).
import { SCHEDULE_INTERVAL_UNITS } from "../../../services/ports/enums";
import type { RowValues } from "./insert-rows";
import { at, HOUR_MS, idsOf, insert, MINUTE_MS, nth, type SeedContext } from "./seed-context";

export interface ActivityRefs {
  readonly companyId: number;
  /** The default, CONNECTED connection. */
  readonly whatsappId: number;
  readonly adminId: number;
  /** [Ana, Bruno, Carla] */
  readonly attendantIds: readonly number[];
  /** [Atendimento (routed), Financeiro] */
  readonly queueIds: readonly number[];
  /** [Novo, Em contato, Proposta] */
  readonly laneIds: readonly number[];
  readonly contactIds: readonly number[];
}

/** Three one-off schedules (now + 2, 5, 10 min), one daily ×5, one monthly ×12. */
export async function seedSchedules(ctx: SeedContext, refs: ActivityRefs): Promise<void> {
  const ana = nth(refs.attendantIds, 0);
  const base = { companyId: refs.companyId, whatsappId: refs.whatsappId, userId: refs.adminId };
  const contact = (i: number) => nth(refs.contactIds, 10 + i);
  const rows: (RowValues & { body: string; sendAt: Date })[] = [
    { body: "Lembrete: sua consulta é amanhã às 10h.", sendAt: at(ctx, 2 * MINUTE_MS) },
    { body: "Seu pedido foi enviado!", sendAt: at(ctx, 5 * MINUTE_MS), userId: ana, assinar: true },
    {
      body: "Olá {{firstName}}, podemos confirmar seu horário?",
      sendAt: at(ctx, 10 * MINUTE_MS),
      openTicket: "enabled",
      statusTicket: "pending",
      ticketUserId: ana,
      queueId: nth(refs.queueIds, 0),
    },
    {
      body: "Bom dia! Lembrete diário do seu tratamento.",
      sendAt: at(ctx, 15 * MINUTE_MS),
      intervalo: SCHEDULE_INTERVAL_UNITS.days,
      valorIntervalo: 1,
      enviarQuantasVezes: 5,
    },
    {
      body: "Sua mensalidade vence em 5 dias.",
      sendAt: at(ctx, 30 * MINUTE_MS),
      intervalo: SCHEDULE_INTERVAL_UNITS.months,
      valorIntervalo: 1,
      enviarQuantasVezes: 12,
    },
  ];
  await insert(
    ctx,
    "Schedules",
    rows.map((row, i) => ({ ...base, status: "PENDENTE", contactId: contact(i), ...row })),
  );
}

interface TicketPlan {
  readonly idleMs: number;
  readonly status: "open" | "pending";
  readonly queue: boolean;
  /** Index into laneIds for open tickets. */
  readonly lane?: number;
}

/**
 * 4 pending without queue (3 idle past the connection's 10-minute timeSendQueue), 3 pending in
 * the routed queue without attendant, 3 open with Ana in lanes (one idle past its 24 h timeLane).
 */
const TICKETS: readonly TicketPlan[] = [
  { status: "pending", queue: false, idleMs: 15 * MINUTE_MS },
  { status: "pending", queue: false, idleMs: 15 * MINUTE_MS },
  { status: "pending", queue: false, idleMs: 15 * MINUTE_MS },
  { status: "pending", queue: false, idleMs: 2 * MINUTE_MS },
  { status: "pending", queue: true, idleMs: MINUTE_MS },
  { status: "pending", queue: true, idleMs: MINUTE_MS },
  { status: "pending", queue: true, idleMs: MINUTE_MS },
  { status: "open", queue: true, idleMs: 25 * HOUR_MS, lane: 0 },
  { status: "open", queue: true, idleMs: HOUR_MS, lane: 0 },
  { status: "open", queue: true, idleMs: 3 * HOUR_MS, lane: 1 },
];

export async function seedTickets(ctx: SeedContext, refs: ActivityRefs): Promise<void> {
  const rows = TICKETS.map((plan, i) => ticketRow(ctx, refs, plan, i));
  const ticketIds = idsOf(await insert(ctx, "Tickets", rows));
  const tagged = TICKETS.flatMap((plan, i) =>
    plan.lane === undefined
      ? []
      : [{ ticketId: nth(ticketIds, i), tagId: nth(refs.laneIds, plan.lane) }],
  );
  await insert(ctx, "TicketTags", tagged);
  const messages = TICKETS.map((plan, i) => ({
    wid: `DEMO${refs.companyId}T${nth(ticketIds, i)}`,
    body: nth(rows, i).lastMessage,
    fromMe: plan.status === "open",
    read: plan.status === "open",
    ack: plan.status === "open" ? 2 : 0,
    ticketId: nth(ticketIds, i),
    contactId: nth(refs.contactIds, i),
    companyId: refs.companyId,
    queueId: nth(rows, i).queueId,
    createdAt: nth(rows, i).updatedAt,
    updatedAt: nth(rows, i).updatedAt,
  }));
  await insert(ctx, "Messages", messages);
}

function ticketRow(ctx: SeedContext, refs: ActivityRefs, plan: TicketPlan, i: number) {
  const open = plan.status === "open";
  const idleSince = at(ctx, -plan.idleMs);
  return {
    status: plan.status,
    lastMessage: open ? "Vou preparar sua proposta e te aviso!" : "Olá, preciso de ajuda.",
    unreadMessages: open ? 0 : 1,
    fromMe: open,
    userId: open ? nth(refs.attendantIds, 0) : null,
    contactId: nth(refs.contactIds, i),
    whatsappId: refs.whatsappId,
    queueId: plan.queue ? nth(refs.queueIds, 0) : null,
    companyId: refs.companyId,
    createdAt: at(ctx, -plan.idleMs - HOUR_MS),
    updatedAt: idleSince,
  };
}
