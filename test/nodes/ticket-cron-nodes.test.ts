// The ticket cron nodes chained as a flow chains them, under Node-RED's node test helper, over the
// services the runtime builds on a real Postgres and Redis: a set goes from node to node as
// msg.payload, bad input is CF_NODE_INPUT through done(err), changed tickets reach the company's
// socket.io client.
import { describe, expect, it } from "vitest";
import registerFindAttendants from "../../nodes/find-attendants/find-attendants";
import registerFindCompanies from "../../nodes/find-companies/find-companies";
import registerFindTickets from "../../nodes/find-tickets/find-tickets";
import registerLogTicket from "../../nodes/log-ticket/log-ticket";
import registerPickAttendant from "../../nodes/pick-attendant/pick-attendant";
import registerSendTicketMessage from "../../nodes/send-ticket-message/send-ticket-message";
import registerUpdateTicket from "../../nodes/update-ticket/update-ticket";
import { companyFrontend, loadNodes, type NodeWorld, useNodeWorld } from "../helpers/node-harness";
import { TicketWorld } from "../helpers/tickets";

type Msg = Record<string, unknown>;

let world: NodeWorld;
let w: TicketWorld;

/** The ids of the rows a node sent on as msg.payload. */
function ids(msg: Msg | undefined): number[] {
  return ((msg?.payload ?? []) as { id: number }[]).map((row) => row.id);
}

useNodeWorld(async (created) => {
  world = created;
  w = new TicketWorld(world.db.sequelize);
});

describe("ticket cron nodes", () => {
  it("find companies → find tickets → update ticket → log ticket moves idle tickets of the companies found", async () => {
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
    const frontend = await companyFrontend(world, a);
    try {
      const [companies, find, update, log] = await loadNodes(world.context, [
        {
          register: registerFindCompanies,
          type: "find companies",
          config: { active: true, feature: "" },
        },
        {
          register: registerFindTickets,
          type: "find tickets",
          config: {
            ticketStatus: "pending",
            queue: "none",
            connected: true,
            idle: "timeSendQueue",
            user: "any",
            groups: true,
            companies: "payload",
          },
        },
        {
          register: registerUpdateTicket,
          type: "update ticket",
          config: { property: "payload", queue: "redirect", emit: "update" },
        },
        {
          register: registerLogTicket,
          type: "log ticket",
          config: { property: "payload", logType: "redirect" },
        },
      ]);
      const step1 = await companies?.receive({ _msgid: "m" });
      expect(ids(step1?.sent)).toContain(a);
      expect(ids(step1?.sent)).not.toContain(other);
      const step2 = await find?.receive(step1?.sent ?? {});
      expect(ids(step2?.sent)).toEqual([idle]);
      expect(find?.statuses().at(-1)).toMatchObject({ fill: "green", text: "1 found" });
      const step3 = await update?.receive(step2?.sent ?? {});
      expect(step3?.sent?.payload).toEqual([
        expect.objectContaining({ id: idle, queueId: target }),
      ]);
      const step4 = await log?.receive(step3?.sent ?? {});
      expect(step4?.sent?.logged).toBe(1);
      expect(await frontend.waitFor(`company-${a}-ticket`)).toEqual([
        expect.objectContaining({ action: "update", ticketId: idle }),
      ]);
      for (const n of [companies, find, update, log]) expect(n?.doneCalls).toEqual([undefined]);
    } finally {
      await frontend.stop();
    }
  });

  it("pick attendant picks online users only and find attendants lists a queue's", async () => {
    const a = await w.company();
    const q = await w.queue(a, { routed: true, tempoRoteador: 5 });
    const user = await w.user(a, { queues: [q] });
    await w.user(a, { queues: [q], profile: "admin" });
    const ticket = await w.ticket(a, { queueId: q });
    const [find, pick, attendants] = await loadNodes(world.context, [
      {
        register: registerFindTickets,
        type: "find tickets",
        config: { ticketStatus: "pending", queue: "routed", user: "without", companies: "" },
      },
      { register: registerPickAttendant, type: "pick attendant", config: { property: "payload" } },
      {
        register: registerFindAttendants,
        type: "find attendants",
        config: {
          company: "payload.companyId",
          companyType: "msg",
          queue: "payload.queueId",
          queueType: "msg",
          online: "online",
          profile: "user",
        },
      },
    ]);
    const found = await find?.receive({});
    const picked = await pick?.receive(found?.sent ?? {});
    expect(picked?.sent?.payload).toEqual([
      expect.objectContaining({ id: ticket, pickedUserId: user }),
    ]);
    const listed = await attendants?.receive({ payload: { companyId: a, queueId: q } });
    expect(listed?.sent?.payload).toEqual([
      { id: user, name: expect.any(String), profile: "user", online: true },
    ]);
  });

  it("refuses bad input with CF_NODE_INPUT and a red status", async () => {
    const [update, find, findIn, message] = await loadNodes(world.context, [
      {
        register: registerUpdateTicket,
        type: "update ticket",
        config: { property: "payload", queue: "redirect" },
      },
      { register: registerFindTickets, type: "find tickets", config: { ticketStatus: "waiting" } },
      {
        register: registerFindTickets,
        type: "find tickets",
        config: { ticketStatus: "open", companies: "payload" },
      },
      {
        register: registerSendTicketMessage,
        type: "send ticket message",
        config: { text: "Olá", textType: "str", kind: "greeting" },
      },
    ]);
    const notArray = await update?.receive({ payload: { id: 1 } });
    expect(notArray?.error?.code).toBe("CF_NODE_INPUT");
    expect(update?.statuses().at(-1)).toMatchObject({ fill: "red", text: "CF_NODE_INPUT" });
    const noStamp = await update?.receive({ payload: [{ id: 1, companyId: 1 }] });
    expect(noStamp?.error?.message).toMatch(/id, companyId and stamp/);

    expect((await find?.receive({}))?.error?.code).toBe("CF_NODE_INPUT");
    expect((await findIn?.receive({ payload: "all" }))?.error?.code).toBe("CF_NODE_INPUT");

    expect((await message?.receive({ payload: [{ id: 1 }] }))?.error?.message).toMatch(/no stamp/);
  });
});
