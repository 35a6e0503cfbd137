// The message nodes (`find or open ticket`, `render message`, `record message`, `send whatsapp`)
// under Node-RED's node test helper, over the services the runtime builds on a real Postgres and
// Redis and the simulated WhatsApp driver: typed inputs read by default from where the shipped
// jobs carry them, tickets opened and found, templates filled from the ticket's rows, messages
// recorded once per wid, sent once per job, errors with their codes (CF_NODE_INPUT naming the
// setting and path), done() once per message.
import { describe, expect, it } from "vitest";
import registerFindOrOpenTicket from "../../nodes/find-or-open-ticket/find-or-open-ticket";
import registerRecordMessage from "../../nodes/record-message/record-message";
import registerRenderMessage from "../../nodes/render-message/render-message";
import registerSendWhatsapp from "../../nodes/send-whatsapp/send-whatsapp";
import { helper, loadNode, type NodeWorld, typed, useNodeWorld } from "../helpers/node-harness";
import { TicketWorld } from "../helpers/tickets";

let world: NodeWorld;
let w: TicketWorld;
let company: number;
let connection: number;

useNodeWorld(async (created) => {
  world = created;
  w = new TicketWorld(world.db.sequelize);
  company = await w.company();
  connection = await w.connection(company);
});

const red = (text: string) => ({ fill: "red", shape: "ring", text });

describe("find or open ticket → render message → record message", () => {
  it("opens the contact's ticket, fills a template from it and records the text once", async () => {
    const queue = await w.queue(company);
    const user = await w.user(company, { name: "Ana Souza" });
    const contact = await w.contact(company, { name: "Maria Lima" });
    const find = await loadNode(
      registerFindOrOpenTicket,
      "find or open ticket",
      typed({
        queue: ["payload.queueId", "msg"],
        user: ["payload.userId", "msg"],
        ticketStatus: ["open", "str"],
      }),
      world.context,
    );
    const payload = {
      companyId: company,
      whatsappId: connection,
      contactId: contact,
      queueId: queue,
      userId: user,
    };
    const opened = await find.receive({ _msgid: "f1", payload });
    expect(opened.error).toBeUndefined();
    const ticket = opened.sent?.ticket as { id: number };
    expect(ticket).toMatchObject({
      status: "open",
      contactId: contact,
      queueId: queue,
      userId: user,
      created: true,
    });
    expect(find.statuses()).toEqual([
      { fill: "blue", shape: "ring", text: "looking…" },
      { fill: "green", shape: "dot", text: `opened #${ticket.id} (open)` },
    ]);
    const found = await find.receive({ _msgid: "f2", payload });
    expect(found.sent?.ticket).toMatchObject({ id: ticket.id, created: false });
    expect(find.doneCalls).toEqual([undefined, undefined]);
    await helper.unload();

    // Its defaults: the template at msg.template, the ticket at msg.ticket.
    const render = await loadNode(
      registerRenderMessage,
      "render message",
      { mark: false },
      world.context,
    );
    const rendered = await render.receive({
      ...(found.sent as object),
      template: "{{firstName}}, {{user}} da fila {{queue}} vai te atender.",
    });
    expect(rendered.error).toBeUndefined();
    const queueName = (
      await w.rows<{ name: string }>(`SELECT name FROM "Queues" WHERE id = $1`, [queue])
    )[0]?.name;
    expect(rendered.sent?.text).toBe(`Maria, Ana Souza da fila ${queueName} vai te atender.`);
    expect(render.statuses()).toEqual([
      { fill: "green", shape: "dot", text: `${String(rendered.sent?.text).length} characters` },
    ]);
    await helper.unload();

    // Its defaults: the ticket at msg.ticket, the text at msg.text, the sent message in msg.payload.
    const record = await loadNode(registerRecordMessage, "record message", {}, world.context);
    const sentMsg = {
      ...(rendered.sent as object),
      payload: { wid: "SIM-REC-1", jid: "5511@s.whatsapp.net" },
    };
    const first = await record.receive(sentMsg);
    const again = await record.receive(sentMsg);
    expect(first.sent?.message).toMatchObject({ ticketId: ticket.id, created: true });
    expect(again.sent?.message).toMatchObject({ ticketId: ticket.id, created: false });
    expect(record.statuses()).toEqual([
      { fill: "green", shape: "dot", text: `recorded on #${ticket.id}` },
      { fill: "yellow", shape: "ring", text: `already on #${ticket.id}` },
    ]);
    const rows = await w.rows(`SELECT wid, body, "fromMe" FROM "Messages" WHERE "ticketId" = $1`, [
      ticket.id,
    ]);
    expect(rows).toEqual([{ wid: "SIM-REC-1", body: rendered.sent?.text, fromMe: true }]);
    const noWid = await record.receive({ ...sentMsg, payload: {} });
    expect(noWid.error?.code).toBe("CF_NODE_INPUT");
    expect(noWid.error?.message).toBe("wid (msg.payload.wid) must be text, got nothing");
    expect(record.statuses().at(-1)).toEqual(red("CF_NODE_INPUT"));
    expect(record.doneCalls).toHaveLength(3);
  });

  it("find or open ticket: by number without a contact; its errors name the setting and path", async () => {
    const find = await loadNode(
      registerFindOrOpenTicket,
      "find or open ticket",
      typed({ number: ["payload.number", "msg"] }),
      world.context,
    );
    const byNumber = await find.receive({
      _msgid: "n1",
      payload: { companyId: company, whatsappId: connection, number: "55 11 97777-0001" },
    });
    expect(byNumber.sent?.ticket).toMatchObject({ created: true, status: "pending" });
    const noOne = await find.receive({
      _msgid: "n2",
      payload: { companyId: company, whatsappId: connection },
    });
    expect(noOne.error?.message).toBe(
      "neither contact (msg.payload.contactId) nor number (msg.payload.number) is set",
    );
    const badCompany = await find.receive({
      _msgid: "n3",
      payload: { companyId: "acme", whatsappId: connection, number: "5511" },
    });
    expect(badCompany.error?.message).toBe(
      'company (msg.payload.companyId) must be a whole number >= 1, got "acme"',
    );
    const unknown = await find.receive({
      _msgid: "n4",
      payload: { companyId: company, whatsappId: 999_999, number: "5511" },
    });
    expect(unknown.error?.code).toBe("CF_WA_UNKNOWN_CONNECTION");
    expect(find.statuses().at(-1)).toEqual(red("CF_WA_UNKNOWN_CONNECTION"));
    expect([noOne, badCompany, unknown].map((o) => o.outputs)).toEqual([[[]], [[]], [[]]]);
    expect(find.doneCalls).toHaveLength(4);
  });

  it("render message: a campaign message from the contact, and a Mustache error's code", async () => {
    const campaign = await loadNode(
      registerRenderMessage,
      "render message",
      {
        mode: "campaign",
        output: "payload.message",
        ...typed({
          template: ["Oi {nome}, use {cupom}", "str"],
          values: ["payload.contact", "msg"],
        }),
      },
      world.context,
    );
    const filled = await campaign.receive({
      _msgid: "r1",
      payload: { contact: { name: "João", variables: '[{"key":"cupom","value":"X10"}]' } },
    });
    expect((filled.sent?.payload as { message?: string } | undefined)?.message).toBe(
      "\u200c Oi João, use X10",
    );
    await helper.unload();

    const ticket = await loadNode(
      registerRenderMessage,
      "render message",
      typed({ values: ['{"contactName":"Rita"}', "json"], ticket: ["", "msg"] }),
      world.context,
    );
    const bad = await ticket.receive({ _msgid: "r2", template: "{{#name}}" });
    expect(bad.error?.code).toBe("CF_TEMPLATE_INVALID");
    expect(ticket.statuses()).toEqual([red("CF_TEMPLATE_INVALID")]);
    const good = await ticket.receive({ _msgid: "r3", template: "Olá {{name}}" });
    expect(good.sent?.text).toBe("\u200e Olá Rita");
    expect(ticket.doneCalls).toHaveLength(2);
  });
});

describe("send whatsapp", () => {
  let jobs = 0;
  /** A MessageQueue/SendMessage job's message, as job in hands it on. */
  const job = (payload: Record<string, unknown>, id = `${++jobs}`) => ({
    _msgid: `MessageQueue:${id}:1`,
    payload,
    job: { id, queue: "MessageQueue", name: "SendMessage", attempt: 1, timestamp: Date.now() },
  });

  it("sends a SendMessage job's message once, for the company owning its connection", async () => {
    const n = await loadNode(registerSendWhatsapp, "send whatsapp", {}, world.context);
    const msg = job({ whatsappId: connection, data: { number: "5511966660001", body: "Olá!" } });
    const first = await n.receive(msg);
    expect(first.error).toBeUndefined();
    expect(first.sent?.payload).toMatchObject({
      jid: "5511966660001@s.whatsapp.net",
      wid: expect.stringMatching(/^SIM/),
      alreadySent: false,
    });
    expect(n.statuses()[0]).toEqual({ fill: "blue", shape: "ring", text: "sending…" });
    expect(n.statuses()[1]).toMatchObject({
      fill: "green",
      shape: "dot",
      text: expect.stringMatching(/^sent \d\d:\d\d:\d\d$/),
    });
    // The same job again (a retry): already sent, not sent twice.
    const again = await n.receive(msg);
    expect(again.sent?.payload).toMatchObject({ alreadySent: true });
    expect(n.statuses().at(-1)).toEqual({ fill: "yellow", shape: "ring", text: "already sent" });
    const sends = await world.whatsapp.sends({ jid: "5511966660001@s.whatsapp.net" });
    expect(sends.map((s) => s.text)).toEqual(["Olá!"]);
    const ticket = (first.sent?.payload as { ticketId?: number } | undefined)?.ticketId;
    expect(await w.rows(`SELECT "companyId" FROM "Tickets" WHERE id = $1`, [ticket])).toEqual([
      { companyId: company },
    ]);
    expect(n.doneCalls).toEqual([undefined, undefined]);
  });

  it("reads other kinds (flow, str, bool) and keys the send by the key set", async () => {
    const n = await loadNode(
      registerSendWhatsapp,
      "send whatsapp",
      {
        record: false,
        ...typed({
          connection: ["conn", "flow"],
          to: ["5511966660002", "str"],
          text: ["payload.text", "msg"],
          group: ["false", "bool"],
          company: [String(company), "num"],
          key: ["payload.key", "msg"],
        }),
      },
      world.context,
    );
    n.node.context().flow.set("conn", connection);
    const { sent, error } = await n.receive({
      _msgid: "k1",
      payload: { text: "Oi", key: "promo:1" },
    });
    expect(error).toBeUndefined();
    expect(sent?.payload).toMatchObject({ alreadySent: false });
    expect(
      (await world.whatsapp.sends({ jid: "5511966660002@s.whatsapp.net" })).map((s) => s.text),
    ).toEqual(["Oi"]);
  });

  it("fails with the error's code: no known company, a disconnected connection, a bad input", async () => {
    const n = await loadNode(registerSendWhatsapp, "send whatsapp", {}, world.context);
    const nobody = await n.receive(
      job({ whatsappId: 999_999, data: { number: "5511966660003", body: "x" } }),
    );
    expect(nobody.error?.code).toBe("CF_TENANCY_OWNER_UNKNOWN");
    const down = await w.connection(company, { status: "DISCONNECTED" });
    const disconnected = await n.receive(
      job({ whatsappId: down, data: { number: "5511966660003", body: "x" } }),
    );
    expect(disconnected.error?.code).toBe("CF_WA_DISCONNECTED");
    expect(n.statuses().at(-1)).toEqual(red("CF_WA_DISCONNECTED"));
    const noNumber = await n.receive(job({ whatsappId: connection, phone: "5511966660003" }));
    expect(noNumber.error?.code).toBe("CF_NODE_INPUT");
    expect(noNumber.error?.message).toBe(
      "to (msg.payload.data.number) must be a non-empty string, got undefined",
    );
    expect(n.statuses().at(-1)).toEqual(red("CF_NODE_INPUT"));
    expect([nobody, disconnected, noNumber].map((o) => o.outputs)).toEqual([[[]], [[]], [[]]]);
    expect(await world.whatsapp.sends({ jid: "5511966660003@s.whatsapp.net" })).toEqual([]);
    expect(n.doneCalls).toHaveLength(3);
  });
});
