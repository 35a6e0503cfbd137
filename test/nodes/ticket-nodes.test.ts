// The ticket cron nodes (`find companies`, `find tickets`, `update ticket`, `log ticket`,
// `pick attendant`, `find attendants`, `move lane`, `send ticket message`) under Node-RED's node
// test helper, over the services the runtime builds on a real Postgres and Redis: the set each
// reads from the message, what it changes in the database, what it sends on, its status dots,
// CF_NODE_INPUT naming what is wrong, done() once per message. Greetings go out through the
// simulated WhatsApp driver, once each; ticket events reach a company's socket.io client.
import { describe, expect, it } from "vitest";
import registerFindAttendants from "../../nodes/find-attendants/find-attendants";
import registerFindCompanies from "../../nodes/find-companies/find-companies";
import registerFindTickets from "../../nodes/find-tickets/find-tickets";
import registerLogTicket from "../../nodes/log-ticket/log-ticket";
import registerMoveLane from "../../nodes/move-lane/move-lane";
import registerPickAttendant from "../../nodes/pick-attendant/pick-attendant";
import registerSendTicketMessage from "../../nodes/send-ticket-message/send-ticket-message";
import registerUpdateTicket from "../../nodes/update-ticket/update-ticket";
import {
  companyFrontend,
  helper,
  loadNode,
  type NodeWorld,
  typed,
  useNodeWorld,
} from "../helpers/node-harness";
import { TicketWorld } from "../helpers/tickets";

let world: NodeWorld;
let w: TicketWorld;

useNodeWorld(async (created) => {
  world = created;
  w = new TicketWorld(world.db.sequelize);
});

const working = { fill: "blue", shape: "ring", text: "working…" };
const input = { fill: "red", shape: "ring", text: "CF_NODE_INPUT" };
const ids = (rows: unknown) => (rows as { id: number }[]).map((r) => r.id);

/** Tickets as find tickets gives them (with their stamps), through the real service. */
function pendingTickets(companyId: number) {
  return world.services.ticketOps.findTickets(
    {
      status: "pending",
      queue: "any",
      connected: false,
      idle: { kind: "none" },
      user: "any",
      groups: true,
      companyIds: [companyId],
    },
    new Date(),
  );
}

describe("find companies", () => {
  it("sends on the active companies, of a plan feature when set", async () => {
    const kanban = await w.company({ kanban: true });
    const plain = await w.company({ kanban: false });
    const inactive = await w.company({ kanban: true, active: false });
    const n = await loadNode(
      registerFindCompanies,
      "find companies",
      { active: true, feature: "useKanban" },
      world.context,
    );
    const { sent, error } = await n.receive({ _msgid: "c1" });
    expect(error).toBeUndefined();
    expect(ids(sent?.payload)).toContain(kanban);
    expect(ids(sent?.payload)).not.toContain(plain);
    expect(ids(sent?.payload)).not.toContain(inactive);
    const count = (sent?.payload as unknown[] | undefined)?.length;
    expect(n.statuses()).toEqual([
      working,
      { fill: "green", shape: "dot", text: `${count} companies` },
    ]);
    expect(n.doneCalls).toEqual([undefined]);
  });
});

describe("find tickets", () => {
  it("finds the tickets of the companies in the message idle longer than the minutes read", async () => {
    const a = await w.company();
    const conn = await w.connection(a);
    const idle = await w.ticket(a, { whatsappId: conn, idleMinutes: 30 });
    await w.ticket(a, { whatsappId: conn, idleMinutes: 2 });
    const n = await loadNode(
      registerFindTickets,
      "find tickets",
      {
        ticketStatus: "pending",
        idle: "minutes",
        companies: "payload",
        ...typed({ idleMinutes: ["idle", "msg"] }),
      },
      world.context,
    );
    const { sent, error } = await n.receive({ _msgid: "t1", payload: [{ id: a }], idle: 10 });
    expect(error).toBeUndefined();
    expect(ids(sent?.payload)).toEqual([idle]);
    expect(sent?.payload).toEqual([
      expect.objectContaining({ id: idle, companyId: a, stamp: expect.any(String) }),
    ]);
    expect(n.statuses()).toEqual([working, { fill: "green", shape: "dot", text: "1 found" }]);

    const minutes = await n.receive({ _msgid: "t2", payload: [a], idle: "x" });
    expect(minutes.error?.message).toBe('idleMinutes (msg.idle) must be a number >= 0, got "x"');
    const companies = await n.receive({ _msgid: "t3", payload: "all", idle: 10 });
    expect(companies.error?.message).toBe(
      'msg.payload must be an array of company ids or of objects with an id, got "all"',
    );
    expect([minutes.outputs, companies.outputs]).toEqual([[[]], [[]]]);
    expect(n.statuses().at(-1)).toEqual(input);
    expect(n.doneCalls).toHaveLength(3);
  });
});

describe("update ticket", () => {
  it("changes each ticket once, tells the company's frontend, and refuses rows without a stamp", async () => {
    const a = await w.company();
    const user = await w.user(a);
    const ticket = await w.ticket(a, { whatsappId: await w.connection(a) });
    const frontend = await companyFrontend(world, a);
    try {
      const n = await loadNode(
        registerUpdateTicket,
        "update ticket",
        {
          property: "payload",
          ticketStatus: "open",
          user: "id",
          userId: String(user),
          emit: "update",
        },
        world.context,
      );
      const rows = await pendingTickets(a);
      const first = await n.receive({ _msgid: "u1", payload: rows });
      expect(first.error).toBeUndefined();
      expect(first.sent?.payload).toEqual([
        expect.objectContaining({ id: ticket, status: "open", userId: user }),
      ]);
      const [event] = await frontend.waitFor(`company-${a}-ticket`);
      expect(event).toMatchObject({
        action: "update",
        ticketId: ticket,
        ticket: { status: "open" },
      });
      // The same rows again: their stamps are stale, nothing changes.
      const again = await n.receive({ _msgid: "u2", payload: rows });
      expect(again.sent?.payload).toEqual([]);
      expect(n.statuses().slice(0, 2)).toEqual([
        working,
        { fill: "green", shape: "dot", text: "1 updated" },
      ]);
      const bad = await n.receive({ _msgid: "u3", payload: [{ id: ticket, companyId: a }] });
      expect(bad.error?.code).toBe("CF_NODE_INPUT");
      expect(bad.error?.message).toMatch(/^each ticket needs id, companyId and stamp/);
      expect(n.statuses().at(-1)).toEqual(input);
      expect(n.doneCalls).toHaveLength(3);
    } finally {
      await frontend.stop();
    }
  });
});

describe("log ticket", () => {
  it("writes one LogTickets row of the type set per ticket, and refuses what is not a set", async () => {
    const a = await w.company();
    const ticket = await w.ticket(a);
    const n = await loadNode(
      registerLogTicket,
      "log ticket",
      { property: "found", logType: "transfer" },
      world.context,
    );
    const { sent, error } = await n.receive({
      _msgid: "l1",
      found: [{ id: ticket, companyId: a }],
    });
    expect(error).toBeUndefined();
    expect(sent?.logged).toBe(1);
    expect(sent?.found).toEqual([{ id: ticket, companyId: a }]);
    expect(await w.rows(`SELECT type FROM "LogTickets" WHERE "ticketId" = $1`, [ticket])).toEqual([
      { type: "transfer" },
    ]);
    expect(n.statuses()).toEqual([working, { fill: "green", shape: "dot", text: "1 logged" }]);
    const bad = await n.receive({ _msgid: "l2", found: { id: ticket } });
    expect(bad.error?.message).toBe(`msg.found must be an array of objects, got {"id":${ticket}}`);
    expect(n.doneCalls).toHaveLength(2);
  });
});

describe("pick attendant and find attendants", () => {
  it("picks an online attendant of the ticket's queue and lists a queue's attendants", async () => {
    const a = await w.company();
    const q = await w.queue(a, { routed: true });
    const user = await w.user(a, { queues: [q], name: "Ana" });
    await w.user(a, { queues: [q], profile: "admin" });
    await w.user(a, { queues: [q], online: false });
    const ticket = await w.ticket(a, { queueId: q });

    const pick = await loadNode(
      registerPickAttendant,
      "pick attendant",
      { property: "payload" },
      world.context,
    );
    const picked = await pick.receive({ _msgid: "p1", payload: await pendingTickets(a) });
    expect(picked.sent?.payload).toEqual([
      expect.objectContaining({ id: ticket, pickedUserId: user }),
    ]);
    expect(pick.statuses()).toEqual([working, { fill: "green", shape: "dot", text: "1 picked" }]);
    const none = await pick.receive({ _msgid: "p2" });
    expect(none.error?.message).toBe("msg.payload must be an array of objects, got nothing");
    expect(pick.doneCalls).toHaveLength(2);
    await helper.unload();

    const find = await loadNode(
      registerFindAttendants,
      "find attendants",
      {
        online: "online",
        profile: "user",
        ...typed({ company: ["payload.companyId", "msg"], queue: ["payload.queueId", "msg"] }),
      },
      world.context,
    );
    const listed = await find.receive({ _msgid: "a1", payload: { companyId: a, queueId: q } });
    expect(listed.sent?.payload).toEqual([
      { id: user, name: "Ana", profile: "user", online: true },
    ]);
    expect(find.statuses()).toEqual([working, { fill: "green", shape: "dot", text: "1 found" }]);
    const noCompany = await find.receive({ _msgid: "a2", payload: { queueId: q } });
    expect(noCompany.error?.message).toBe("company (msg.payload.companyId) is empty");
    const badQueue = await find.receive({
      _msgid: "a3",
      payload: { companyId: a, queueId: "Vendas" },
    });
    expect(badQueue.error?.message).toBe(
      'queue (msg.payload.queueId) must be a whole number >= 1, got "Vendas"',
    );
    expect(find.statuses().at(-1)).toEqual(input);
    expect(find.doneCalls).toHaveLength(3);
  });
});

describe("move lane → send ticket message", () => {
  it("moves a ticket past its lane's time and greets it in the next lane once", async () => {
    const a = await w.company();
    const conn = await w.connection(a);
    const next = await w.lane(a, { greeting: "Olá {{name}}, você está na próxima etapa." });
    const lane = await w.lane(a, { timeLane: 1, nextLaneId: next });
    const ticket = await w.ticket(a, {
      whatsappId: conn,
      idleMinutes: 120,
      contactName: "Maria Silva",
      status: "open",
      fromMe: true,
    });
    await w.tag(ticket, lane, 120);

    const move = await loadNode(
      registerMoveLane,
      "move lane",
      { property: "payload" },
      world.context,
    );
    const moved = await move.receive({ _msgid: "m1", payload: [{ id: a }] });
    expect(moved.error).toBeUndefined();
    expect(moved.sent?.payload).toEqual([
      expect.objectContaining({
        ticketId: ticket,
        fromTagId: lane,
        toTagId: next,
        stamp: expect.any(String),
      }),
    ]);
    expect(move.statuses()).toEqual([working, { fill: "green", shape: "dot", text: "1 moved" }]);
    const bad = await move.receive({ _msgid: "m2", payload: [0] });
    expect(bad.error?.message).toBe(
      "msg.payload must be an array of company ids or of objects with an id, got [0]",
    );
    expect(move.doneCalls).toHaveLength(2);
    await helper.unload();

    const greet = await loadNode(
      registerSendTicketMessage,
      "send ticket message",
      { property: "payload", kind: "lane", setting: "", ...typed({ text: ["greeting", "row"] }) },
      world.context,
    );
    const first = await greet.receive({ ...(moved.sent as object), _msgid: "g1" });
    expect(first.error).toBeUndefined();
    expect(first.sent?.messages).toEqual({
      sent: [{ ticketId: ticket, messageId: expect.any(Number), alreadySent: false }],
      failed: [],
      skipped: 0,
    });
    expect(first.sent?.payload).toEqual(moved.sent?.payload);
    const again = await greet.receive({ ...(moved.sent as object), _msgid: "g2" });
    expect(again.sent?.messages).toMatchObject({ sent: [{ ticketId: ticket, alreadySent: true }] });
    const sends = await world.whatsapp.sends({ connectionId: conn });
    expect(sends.map((s) => s.text)).toEqual([
      "\u200e Olá Maria Silva, você está na próxima etapa.",
    ]);
    expect(greet.statuses().slice(0, 2)).toEqual([
      { fill: "blue", shape: "ring", text: "sending…" },
      { fill: "green", shape: "dot", text: "1 sent, 0 failed" },
    ]);
    const noStamp = await greet.receive({
      _msgid: "g3",
      payload: [{ ticketId: ticket, greeting: "x" }],
    });
    expect(noStamp.error?.message).toBe(`ticket ${ticket} has no stamp to tell this message apart`);
    expect(greet.statuses().at(-1)).toEqual(input);
    expect(greet.doneCalls).toHaveLength(3);
  });
});

describe("send ticket message with one text for every ticket", () => {
  it("renders the node's text for each ticket and sends it once per ticket", async () => {
    const a = await w.company();
    const conn = await w.connection(a);
    const first = await w.ticket(a, { whatsappId: conn, contactName: "Bruno Reis" });
    const second = await w.ticket(a, { whatsappId: conn, contactName: "Clara Dias" });
    const n = await loadNode(
      registerSendTicketMessage,
      "send ticket message",
      {
        property: "payload",
        kind: "greeting",
        ...typed({ text: ["Bom dia, {{firstName}}!", "str"] }),
      },
      world.context,
    );
    const rows = await pendingTickets(a);
    const { sent, error } = await n.receive({ _msgid: "s1", payload: rows });
    expect(error).toBeUndefined();
    expect(sent?.messages).toMatchObject({ failed: [], skipped: 0 });
    expect(
      ((sent?.messages as { sent?: { ticketId: number }[] } | undefined)?.sent ?? [])
        .map((s) => s.ticketId)
        .sort(),
    ).toEqual([first, second].sort());
    const texts = (await world.whatsapp.sends({ connectionId: conn })).map((s) => s.text).sort();
    expect(texts).toEqual(["\u200e Bom dia, Bruno!", "\u200e Bom dia, Clara!"]);
    expect(n.doneCalls).toEqual([undefined]);
  });
});
