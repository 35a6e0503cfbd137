// The ticket cron nodes as Node-RED drives them (registerType, input → send/done, status dots,
// Node-RED's own util for properties) over the real services and a real Postgres: a set goes from
// node to node as msg.payload, bad input is CF_NODE_INPUT through done(err).
import { EventEmitter } from "node:events";
import { util as redUtil } from "@node-red/util";
import type { NodeAPI } from "node-red";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import registerFindAttendants from "../../nodes/find-attendants/find-attendants";
import registerFindCompanies from "../../nodes/find-companies/find-companies";
import registerFindTickets from "../../nodes/find-tickets/find-tickets";
import registerLogTicket from "../../nodes/log-ticket/log-ticket";
import registerPickAttendant from "../../nodes/pick-attendant/pick-attendant";
import registerSendTicketMessage from "../../nodes/send-ticket-message/send-ticket-message";
import registerUpdateTicket from "../../nodes/update-ticket/update-ticket";
import { migrateUp } from "../../runtime/adapters/db/migrator";
import { SequelizeBoardStore } from "../../runtime/adapters/db/repositories/board-store";
import { SequelizeTicketOpsStore } from "../../runtime/adapters/db/repositories/ticket-ops-store";
import type { CompanyEvents } from "../../runtime/services/ports/events";
import { TicketOpsService } from "../../runtime/services/ticket-ops.service";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { TicketWorld } from "../helpers/tickets";

type Msg = Record<string, unknown>;
interface Status {
  fill?: string;
  text?: string;
}

const emitted: { companyId: number; payload: unknown }[] = [];
const events: CompanyEvents = {
  emit: (companyId, _topic, payload) => emitted.push({ companyId, payload }),
};
let db: TestDatabase;
let w: TicketWorld;
let services: Record<string, unknown>;

/** One node of the module `register`, configured with `config`, under a minimal Node-RED. */
function node(register: (RED: NodeAPI) => void, config: Msg) {
  const emitter = new EventEmitter();
  const statuses: Status[] = [];
  let Ctor: ((this: unknown, config: unknown) => void) | undefined;
  const RED = {
    nodes: {
      createNode(n: Msg, def: { id: string }) {
        Object.assign(n, {
          id: def.id,
          on: emitter.on.bind(emitter),
          status: (s: Status) => statuses.push(s),
          warn: () => undefined,
          error: () => undefined,
        });
      },
      registerType(_type: string, ctor: typeof Ctor) {
        Ctor = ctor;
      },
    },
    util: redUtil,
    settings: { chatia: { services } },
  } as unknown as NodeAPI;
  register(RED);
  Ctor?.call({}, { id: "n1", ...config });
  return {
    statuses,
    receive(msg: Msg): Promise<{ sent?: Msg; error?: { code?: string; message: string } }> {
      return new Promise((resolve) => {
        let sent: Msg | undefined;
        emitter.emit(
          "input",
          msg,
          (m: Msg) => {
            sent = m;
          },
          (error?: { code?: string; message: string }) => resolve({ sent, error }),
        );
      });
    },
  };
}

/** The ids of the rows a node sent on as msg.payload. */
function ids(msg: Msg | undefined): number[] {
  return ((msg?.payload ?? []) as { id: number }[]).map((row) => row.id);
}

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  w = new TicketWorld(db.sequelize);
  services = {
    ticketOps: new TicketOpsService({
      tickets: new SequelizeTicketOpsStore(db.sequelize),
      board: new SequelizeBoardStore(db.sequelize),
      events,
    }),
  };
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

describe("ticket cron nodes", () => {
  it("find tickets → update ticket → log ticket moves idle tickets of the companies found", async () => {
    const a = await w.company();
    const target = await w.queue(a);
    const conn = await w.connection(a, { timeSendQueue: 10, sendIdQueue: target });
    const idle = await w.ticket(a, { whatsappId: conn, idleMinutes: 20 });
    const other = await w.company({ active: false });
    await w.ticket(other, {
      whatsappId: await w.connection(other, {
        timeSendQueue: 1,
        sendIdQueue: await w.queue(other),
      }),
      idleMinutes: 20,
    });

    const companies = node(registerFindCompanies, { active: true, feature: "" });
    const find = node(registerFindTickets, {
      ticketStatus: "pending",
      queue: "none",
      connected: true,
      idle: "timeSendQueue",
      user: "any",
      groups: true,
      companies: "payload",
    });
    const update = node(registerUpdateTicket, {
      property: "payload",
      queue: "redirect",
      emit: "update",
    });
    const log = node(registerLogTicket, { property: "payload", logType: "redirect" });

    const step1 = await companies.receive({ _msgid: "m" });
    expect(ids(step1.sent)).toContain(a);
    expect(ids(step1.sent)).not.toContain(other);
    const step2 = await find.receive(step1.sent ?? {});
    expect(ids(step2.sent)).toEqual([idle]);
    expect(find.statuses.at(-1)).toMatchObject({ fill: "green", text: "1 found" });
    const step3 = await update.receive(step2.sent ?? {});
    expect(step3.sent?.payload).toEqual([expect.objectContaining({ id: idle, queueId: target })]);
    const step4 = await log.receive(step3.sent ?? {});
    expect(step4.sent?.logged).toBe(1);
    expect(emitted).toEqual([
      { companyId: a, payload: expect.objectContaining({ action: "update", ticketId: idle }) },
    ]);
  });

  it("pick attendant picks online users only and find attendants lists a queue's", async () => {
    const a = await w.company();
    const q = await w.queue(a, { routed: true, tempoRoteador: 5 });
    const user = await w.user(a, { queues: [q] });
    await w.user(a, { queues: [q], profile: "admin" });
    const ticket = await w.ticket(a, { queueId: q });
    const find = node(registerFindTickets, {
      ticketStatus: "pending",
      queue: "routed",
      user: "without",
      companies: "",
    });
    const pick = node(registerPickAttendant, { property: "payload" });
    const found = await find.receive({});
    const picked = await pick.receive(found.sent ?? {});
    expect(picked.sent?.payload).toEqual([
      expect.objectContaining({ id: ticket, pickedUserId: user }),
    ]);

    const attendants = node(registerFindAttendants, {
      company: "payload.companyId",
      companyType: "msg",
      queue: "payload.queueId",
      queueType: "msg",
      online: "online",
      profile: "user",
    });
    const listed = await attendants.receive({ payload: { companyId: a, queueId: q } });
    expect(listed.sent?.payload).toEqual([
      { id: user, name: expect.any(String), profile: "user", online: true },
    ]);
  });

  it("refuses bad input with CF_NODE_INPUT and a red status", async () => {
    const update = node(registerUpdateTicket, { property: "payload", queue: "redirect" });
    const notArray = await update.receive({ payload: { id: 1 } });
    expect(notArray.error?.code).toBe("CF_NODE_INPUT");
    expect(update.statuses.at(-1)).toMatchObject({ fill: "red", text: "CF_NODE_INPUT" });
    const noStamp = await update.receive({ payload: [{ id: 1, companyId: 1 }] });
    expect(noStamp.error?.message).toMatch(/id, companyId and stamp/);

    const find = node(registerFindTickets, { ticketStatus: "waiting" });
    expect((await find.receive({})).error?.code).toBe("CF_NODE_INPUT");
    const findIn = node(registerFindTickets, { ticketStatus: "open", companies: "payload" });
    expect((await findIn.receive({ payload: "all" })).error?.code).toBe("CF_NODE_INPUT");

    const message = node(registerSendTicketMessage, {
      text: "Olá",
      textType: "str",
      kind: "greeting",
    });
    expect((await message.receive({ payload: [{ id: 1 }] })).error?.message).toMatch(/no stamp/);
  });
});
