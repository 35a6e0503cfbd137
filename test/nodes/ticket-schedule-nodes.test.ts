// The `find or open ticket`, `render message`, `record message` and `update schedule` nodes
// under Node-RED's node test helper (its own evaluateNodeProperty and setMessageProperty), chained
// as a flow would chain them, over the services the runtime builds on a real Postgres and Redis.
import type { NodeAPI } from "node-red";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import registerFindOrOpenTicket from "../../nodes/find-or-open-ticket/find-or-open-ticket";
import registerRecordMessage from "../../nodes/record-message/record-message";
import registerRenderMessage from "../../nodes/render-message/render-message";
import registerUpdateSchedule from "../../nodes/update-schedule/update-schedule";
import {
  createNodeWorld,
  helper,
  type LoadedNode,
  loadNode,
  type NodeWorld,
  typed,
} from "../helpers/node-harness";
import type { TestRows } from "../helpers/rows";

type Msg = Record<string, unknown>;

let world: NodeWorld;
let rows: TestRows;
let companyId: number;
let whatsappId: number;
let queueId: number;
let userId: number;
let contactId: number;

beforeAll(async () => {
  world = await createNodeWorld();
  rows = world.rows;
  companyId = (await rows.insert("Companies", { name: "Loja Demo", timezone: "America/Sao_Paulo" }))
    .id;
  whatsappId = (
    await rows.insert("Whatsapps", { name: "Comercial", companyId, status: "CONNECTED" })
  ).id;
  queueId = (await rows.insert("Queues", { name: "Vendas", color: "#000", companyId })).id;
  userId = (
    await rows.insert("Users", { name: "Ana", email: "ana@l.test", passwordHash: "x", companyId })
  ).id;
  contactId = (
    await rows.insert("Contacts", { name: "Maria Lima", number: "5511955550001", companyId })
  ).id;
}, 60_000);

afterAll(() => world?.close());

/** The node whose flow the test helper runs now (one flow at a time). */
let running: { owner: object; node: LoadedNode } | undefined;

afterEach(async () => {
  running = undefined;
  await helper.unload();
});

/**
 * A node of `register` with `config`; its flow is loaded (in place of the one running) when it
 * receives a message. `statuses` are those of its current run.
 */
function nodeOf(register: (RED: NodeAPI) => void, config: Record<string, unknown>) {
  const self = {
    async receive(msg: Msg) {
      if (running?.owner !== self) {
        if (running !== undefined) await helper.unload();
        running = {
          owner: self,
          node: await loadNode(register, typeOf(register), config, world.context),
        };
      }
      return running.node.receive(msg);
    },
    get statuses() {
      return running?.owner === self ? running.node.statuses() : [];
    },
  };
  return self;
}

const TYPES = new Map<(RED: NodeAPI) => void, string>([
  [registerFindOrOpenTicket, "find or open ticket"],
  [registerRecordMessage, "record message"],
  [registerRenderMessage, "render message"],
  [registerUpdateSchedule, "update schedule"],
]);
function typeOf(register: (RED: NodeAPI) => void): string {
  const type = TYPES.get(register);
  if (type === undefined) throw new Error("not a node of this test");
  return type;
}

const FIND_DEFAULTS = typed({
  company: ["payload.companyId", "msg"],
  connection: ["payload.whatsappId", "msg"],
  contact: ["payload.contactId", "msg"],
  number: ["", "msg"],
  group: ["", "msg"],
  queue: ["", "msg"],
  user: ["", "msg"],
  ticketStatus: ["pending", "str"],
});

describe("find or open ticket → render message → record message", () => {
  it("opens the ticket asked for, renders its template and records the sent text on it", async () => {
    const find = nodeOf(registerFindOrOpenTicket, {
      ...FIND_DEFAULTS,
      ...typed({
        queue: ["payload.queueId", "msg"],
        user: ["payload.ticketUserId", "msg"],
        ticketStatus: ["payload.statusTicket", "msg"],
      }),
    });
    const schedule = {
      companyId,
      whatsappId,
      contactId,
      queueId,
      ticketUserId: userId,
      statusTicket: "open",
      body: "{{ms}}, {{firstName}}! Protocolo {{protocol}} na fila {{queue}} com {{user}}.",
    };
    const found = await find.receive({ _msgid: "a", payload: schedule });
    expect(found.error).toBeUndefined();
    const ticket = found.sent?.ticket as Record<string, unknown>;
    expect(ticket).toMatchObject({ status: "open", queueId, userId, contactId, created: true });
    expect(find.statuses.at(-1)).toEqual({
      fill: "green",
      shape: "dot",
      text: `opened #${ticket.id} (open)`,
    });

    const render = nodeOf(registerRenderMessage, {
      mode: "ticket",
      mark: true,
      output: "text",
      ...typed({
        template: ["payload.body", "msg"],
        ticket: ["ticket.id", "msg"],
        company: ["ticket.companyId", "msg"],
        values: ["payload", "msg"],
      }),
    });
    const rendered = await render.receive(found.sent as Msg);
    expect(rendered.error).toBeUndefined();
    const text = rendered.sent?.text as string;
    expect(text).toMatch(
      new RegExp(
        `^\u200e (Bom dia|Boa tarde|Boa noite), Maria! Protocolo \\d{14}${ticket.id} na fila Vendas com Ana\\.$`,
      ),
    );

    const record = nodeOf(registerRecordMessage, {
      fromMe: true,
      output: "message",
      ...typed({
        company: ["ticket.companyId", "msg"],
        ticket: ["ticket.id", "msg"],
        wid: ["payload.wid", "msg"],
        body: ["text", "msg"],
        mediaType: ["chat", "str"],
        mediaUrl: ["", "msg"],
        jid: ["payload.jid", "msg"],
      }),
    });
    const sentMsg = {
      ...(rendered.sent as Msg),
      payload: { wid: "SIM-77", jid: "x@s.whatsapp.net" },
    };
    const first = await record.receive({ ...sentMsg });
    const again = await record.receive({ ...sentMsg });
    expect(first.error).toBeUndefined();
    expect(first.sent?.message).toMatchObject({ ticketId: ticket.id, created: true });
    expect(again.sent?.message).toMatchObject({ created: false });
    expect(record.statuses.at(-1)).toMatchObject({
      fill: "yellow",
      text: `already on #${ticket.id}`,
    });
    const messages = await rows.find("Messages", { ticketId: ticket.id as number }, ["id"]);
    expect(messages.map((r) => [r.wid, r.body, r.remoteJid])).toEqual([
      ["SIM-77", text, "x@s.whatsapp.net"],
    ]);

    const reused = await find.receive({
      _msgid: "b",
      payload: { ...schedule, statusTicket: "pending" },
    });
    expect(reused.sent?.ticket).toMatchObject({ id: ticket.id, created: false, status: "open" });
  });

  it("finds by number when there is no contact id, and fails with the error's code", async () => {
    const find = nodeOf(registerFindOrOpenTicket, {
      ...FIND_DEFAULTS,
      ...typed({ number: ["payload.number", "msg"], contact: ["", "msg"] }),
    });
    const byNumber = await find.receive({
      _msgid: "c",
      payload: { companyId, whatsappId, number: "55 11 95555-0002" },
    });
    expect(byNumber.sent?.ticket).toMatchObject({ created: true, status: "pending" });

    const bad = await find.receive({
      _msgid: "d",
      payload: { companyId, whatsappId: 999999, number: "5511" },
    });
    expect((bad.error as { code?: string }).code).toBe("CF_WA_UNKNOWN_CONNECTION");
    expect(find.statuses.at(-1)).toEqual({
      fill: "red",
      shape: "ring",
      text: "CF_WA_UNKNOWN_CONNECTION",
    });

    const none = await find.receive({ _msgid: "e", payload: { companyId, whatsappId } });
    expect((none.error as { code?: string }).code).toBe("CF_NODE_INPUT");
  });
});

describe("render message", () => {
  it("fills a campaign message from the contact and the CampaignSettings variables", async () => {
    const render = nodeOf(registerRenderMessage, {
      mode: "campaign",
      mark: true,
      output: "payload.message",
      ...typed({
        template: ["Oi {nome} ({numero}), use {cupom} — {email}", "str"],
        ticket: ["", "msg"],
        company: ["", "msg"],
        values: ["payload.contact", "msg"],
      }),
    });
    const { sent, error } = await render.receive({
      _msgid: "f",
      payload: {
        contact: {
          name: "Maria",
          number: "5511955550001",
          email: null,
          variables: '[{"key":"cupom","value":"BLACK10"}]',
        },
      },
    });
    expect(error).toBeUndefined();
    expect((sent?.payload as Msg | undefined)?.message).toBe(
      "\u200c Oi Maria (5511955550001), use BLACK10 — ",
    );
  });

  it("renders ticket values given in the message, unmarked when asked, and refuses bad Mustache", async () => {
    const config = {
      mode: "ticket",
      mark: false,
      output: "text",
      ...typed({
        template: ["payload.template", "msg"],
        ticket: ["", "msg"],
        company: ["", "msg"],
        values: [
          '{"contactName":"João Silva","queueName":"Suporte","timeZone":"Asia/Tokyo"}',
          "json",
        ],
      }),
    };
    const render = nodeOf(registerRenderMessage, config);
    const ok = await render.receive({
      _msgid: "g",
      payload: { template: "{{firstName}}/{{queue}}/{{user}}" },
    });
    expect(ok.sent?.text).toBe("João/Suporte/");
    const bad = await render.receive({ _msgid: "h", payload: { template: "{{#queue}}" } });
    expect((bad.error as { code?: string }).code).toBe("CF_TEMPLATE_INVALID");
  });
});

describe("render message with its default settings", () => {
  // The form's defaults (render-message.settings.ts) on a payload of another job than the shipped
  // ones: no msg.ticket, so Values (msg.payload) fills the template, `name` giving {{name}}.
  const defaults = {
    mode: "ticket",
    mark: false,
    output: "text",
    ...typed({
      template: ["payload.template", "msg"],
      ticket: ["ticket.id", "msg"],
      company: ["ticket.companyId", "msg"],
      values: ["payload", "msg"],
    }),
  };

  it("fills {{name}} from payload.name when no ticket is read", async () => {
    const render = nodeOf(registerRenderMessage, defaults);
    const { sent, error } = await render.receive({
      _msgid: "r1",
      payload: { template: "Olá {{name}} ({{firstName}})", name: "Ana Souza" },
    });
    expect(error).toBeUndefined();
    expect(sent?.text).toBe("Olá Ana Souza (Ana)");
  });

  it("names the setting and the path it read when a ticket has no company", async () => {
    const render = nodeOf(registerRenderMessage, defaults);
    const { error } = await render.receive({
      _msgid: "r2",
      payload: { template: "x" },
      ticket: { id: 5 },
    });
    expect((error as { code?: string }).code).toBe("CF_NODE_INPUT");
    expect((error as Error).message).toBe(
      "company (msg.ticket.companyId) must be a whole number >= 1, got nothing",
    );
  });
});

describe("update schedule", () => {
  const config = (action: string) => ({
    action,
    ...typed({
      schedule: ["payload.scheduleId", "msg"],
      sendAt: ["payload.sendAt", "msg"],
      reason: ["error.message", "msg"],
    }),
  });

  it("sets the occurrence to ERRO with the Catch node's reason, and arms it again", async () => {
    const sendAt = new Date("2027-04-01T12:00:00Z");
    const s = await rows.insert<{
      id: number;
      status: string;
      sendAt: Date;
      errorReason: string | null;
    }>("Schedules", {
      body: "x",
      sendAt,
      contactId,
      companyId,
      status: "AGENDADA",
    });
    const job = { scheduleId: s.id, sendAt: sendAt.toISOString() };
    const toError = nodeOf(registerUpdateSchedule, config("error"));
    const failed = await toError.receive({
      _msgid: "i",
      payload: job,
      error: { message: "CF_WA_DISCONNECTED: connection 1 is DISCONNECTED" },
    });
    expect(failed.error).toBeUndefined();
    expect(failed.sent?.payload).toEqual({ changed: true, status: "ERRO" });
    Object.assign(s, await rows.get("Schedules", { id: s.id }));
    expect([s.status, s.errorReason]).toEqual([
      "ERRO",
      "CF_WA_DISCONNECTED: connection 1 is DISCONNECTED",
    ]);
    // Another occurrence (an older job's message) changes nothing.
    const stale = await toError.receive({
      _msgid: "j",
      payload: { scheduleId: s.id, sendAt: "2027-03-01T12:00:00Z" },
      error: { message: "late" },
    });
    expect(stale.sent?.payload).toEqual({ changed: false, status: "ERRO" });
    expect(toError.statuses.at(-1)).toEqual({ fill: "grey", shape: "ring", text: "unchanged" });

    const rearm = nodeOf(registerUpdateSchedule, config("rearm"));
    const later = "2027-04-02T09:30:00.000Z";
    const armed = await rearm.receive({
      _msgid: "k",
      payload: { scheduleId: s.id, sendAt: later },
    });
    expect(armed.error).toBeUndefined();
    expect(armed.sent?.payload).toEqual({ changed: true, status: "PENDENTE" });
    Object.assign(s, await rows.get("Schedules", { id: s.id }));
    expect([s.status, s.sendAt.toISOString(), s.errorReason]).toEqual(["PENDENTE", later, null]);

    const bad = await rearm.receive({ _msgid: "l", payload: { scheduleId: s.id, sendAt: "soon" } });
    expect((bad.error as { code?: string }).code).toBe("CF_NODE_INPUT");
  });
});
