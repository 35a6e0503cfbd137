// The `send whatsapp` node under Node-RED's node test helper, over the services the runtime builds
// on a real Postgres and Redis and the simulated WhatsApp driver: properties evaluated by
// Node-RED's own evaluateNodeProperty (msg, flow, str, num, bool…), the send keyed by the job
// (the SendLedger row), the result sent on, the service's errors handed to done() with their
// codes, CF_NODE_INPUT naming the setting and path without anything sent, and the status dots.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import registerSendWhatsapp from "../../nodes/send-whatsapp/send-whatsapp";
import {
  helper,
  type LoadedNode,
  loadNode,
  type NodeWorld,
  typed,
  useNodeWorld,
} from "../helpers/node-harness";
import { TicketWorld } from "../helpers/tickets";

let world: NodeWorld;
let w: TicketWorld;
let company: number;
let connection: number;
let jobs = 100;

useNodeWorld(async (created) => {
  world = created;
  w = new TicketWorld(world.db.sequelize);
  company = await w.company();
  connection = await w.connection(company);
  const folder = path.join(world.mediaDir, `company${company}`);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, "menu.pdf"), "%PDF-1.4 menu");
});

/** A MessageQueue/SendMessage job's message as `job in` hands it on (`number` unique per test). */
function jobMessage(number: string, data: Record<string, unknown> = {}) {
  const id = String(++jobs);
  return {
    _msgid: `MessageQueue:${id}:1`,
    payload: { whatsappId: connection, data: { number, body: "Olá!", ...data } },
    job: { id, queue: "MessageQueue", name: "SendMessage", attempt: 1, timestamp: 0 },
  };
}

const ledger = (jid: string) =>
  w.rows<{ key: string; companyId: number; whatsappId: number; status: string }>(
    `SELECT key, "companyId", "whatsappId", status FROM "SendLedger" WHERE jid = $1`,
    [jid],
  );
const sendWhatsapp = (config: Record<string, unknown> = {}): Promise<LoadedNode> =>
  loadNode(registerSendWhatsapp, "send whatsapp", config, world.context);

describe("send whatsapp", () => {
  it("reads a SendMessage payload by default and keys the send by the job", async () => {
    const n = await sendWhatsapp();
    const msg = jobMessage("5511999990001", { mediaPath: "menu.pdf" });
    const { sent, error } = await n.receive(msg);
    expect(error).toBeUndefined();
    const jid = "5511999990001@s.whatsapp.net";
    expect(sent?.payload).toMatchObject({
      jid,
      wid: expect.stringMatching(/^SIM/),
      alreadySent: false,
    });
    expect(sent?.job).toMatchObject({ id: msg.job.id });
    expect(await ledger(jid)).toEqual([
      {
        key: `MessageQueue:${msg.job.id}`,
        companyId: company,
        whatsappId: connection,
        status: "sent",
      },
    ]);
    const [send] = await world.whatsapp.sends({ jid });
    expect(send).toMatchObject({
      connectionId: connection,
      media: { fileName: "menu.pdf", caption: "Olá!" },
    });
    expect(n.statuses()[0]).toEqual({ fill: "blue", shape: "ring", text: "sending…" });
    expect(n.statuses()[1]).toMatchObject({ fill: "green", shape: "dot" });
    expect(n.statuses()[1]?.text).toMatch(/^sent \d\d:\d\d:\d\d$/);
    expect(n.doneCalls).toEqual([undefined]);
  });

  it("evaluates other kinds of property: flow context, string, number, boolean", async () => {
    const n = await sendWhatsapp({
      record: false,
      ...typed({
        connection: [String(connection), "num"],
        to: ["120363040000000001", "str"],
        group: ["true", "bool"],
        key: ["nextKey", "flow"],
        company: [String(company), "num"],
      }),
    });
    n.node.context().flow.set("nextKey", "Campaign:42:1");
    const { sent, error } = await n.receive({ ...jobMessage("1"), job: undefined });
    expect(error).toBeUndefined();
    const jid = "120363040000000001@g.us";
    expect(sent?.payload).toMatchObject({ jid, alreadySent: false });
    expect(await ledger(jid)).toEqual([
      { key: "Campaign:42:1", companyId: company, whatsappId: connection, status: "sent" },
    ]);
    // Not recorded on a ticket (record off).
    expect((sent?.payload as { messageId?: number } | undefined)?.messageId).toBeUndefined();
  });

  it("sends for the company of the job it handles when no company is set", async () => {
    const other = await w.company();
    const theirs = await w.connection(other);
    const n = await sendWhatsapp();
    const msg = jobMessage("5511999990002");
    msg.payload.whatsappId = theirs;
    const { sent } = await n.receive(msg);
    const jid = "5511999990002@s.whatsapp.net";
    expect(await ledger(jid)).toEqual([
      expect.objectContaining({ companyId: other, whatsappId: theirs }),
    ]);
    // Recorded on a ticket of the company that owns the connection.
    const ticketId = (sent?.payload as { ticketId?: number } | undefined)?.ticketId;
    expect(await w.rows(`SELECT "companyId" FROM "Tickets" WHERE id = $1`, [ticketId])).toEqual([
      { companyId: other },
    ]);
  });

  it("refuses a send whose company is not known (CF_TENANCY_OWNER_UNKNOWN)", async () => {
    const byJob = await sendWhatsapp();
    // A connection no owner resolves for, and (next) a message that comes from no job at all.
    const unresolved = jobMessage("5511999990003");
    unresolved.payload.whatsappId = 999_999;
    const first = await byJob.receive(unresolved);
    expect(first.error?.code).toBe("CF_TENANCY_OWNER_UNKNOWN");
    expect(byJob.statuses().at(-1)).toMatchObject({
      fill: "red",
      text: "CF_TENANCY_OWNER_UNKNOWN",
    });
    await helper.unload();
    const byKey = await sendWhatsapp(typed({ key: ["k-1", "str"] }));
    const second = await byKey.receive({ ...jobMessage("5511999990003"), job: undefined });
    expect(second.error?.code).toBe("CF_TENANCY_OWNER_UNKNOWN");
    expect(second.error?.message).toMatch(/the message comes from no job/);
    expect(await world.whatsapp.sends({ jid: "5511999990003@s.whatsapp.net" })).toEqual([]);
  });

  it("refuses a job's send for a company that is not the job's owner, whatever its data state", async () => {
    const other = await w.company();
    const n = await sendWhatsapp();
    // As a producer other than the runtime may add it: the top-level companyId (another company)
    // disagrees with the connection's, so the job is a system job, though data.companyId (read by
    // the node's default company setting) names the connection's company.
    const mixed = jobMessage("5511999990005", { companyId: company });
    const first = await n.receive({ ...mixed, payload: { ...mixed.payload, companyId: other } });
    expect(first.error?.code).toBe("CF_TENANCY_OWNER_UNKNOWN");
    expect(first.error?.message).toMatch(
      /its companyId \d+ is not the company of what it references/,
    );
    // A stated company (the node's setting) that is not the owner of the job's connection.
    await helper.unload();
    const stated = await sendWhatsapp(typed({ company: [String(other), "num"] }));
    const second = await stated.receive(jobMessage("5511999990005"));
    expect(second.error?.code).toBe("CF_TENANCY_OWNER_UNKNOWN");
    expect(second.error?.message).toContain(`the stated company ${other} is not the job's owner`);
    expect(await world.whatsapp.sends({ jid: "5511999990005@s.whatsapp.net" })).toEqual([]);
    expect(await ledger("5511999990005@s.whatsapp.net")).toEqual([]);
  });

  it("shows an earlier send of the same key as 'already sent', and sends once", async () => {
    const n = await sendWhatsapp();
    const msg = jobMessage("5511999990004");
    await n.receive(msg);
    const { sent } = await n.receive(msg);
    expect(sent?.payload).toMatchObject({ alreadySent: true });
    expect(n.statuses().at(-1)).toEqual({ fill: "yellow", shape: "ring", text: "already sent" });
    expect(await world.whatsapp.sends({ jid: "5511999990004@s.whatsapp.net" })).toHaveLength(1);
    expect(n.doneCalls).toEqual([undefined, undefined]);
  });

  it("hands the service's error to done() with its code and shows it", async () => {
    const n = await sendWhatsapp();
    await world.whatsapp.setBehaviour(connection, { failNext: 1, failWith: "CF_WA_SEND_FAILED" });
    const { sent, error } = await n.receive(jobMessage("5511999990005"));
    expect(error?.code).toBe("CF_WA_SEND_FAILED");
    expect(sent).toBeUndefined();
    expect(n.statuses().at(-1)).toEqual({ fill: "red", shape: "ring", text: "CF_WA_SEND_FAILED" });
    expect(await ledger("5511999990005@s.whatsapp.net")).toEqual([
      expect.objectContaining({ status: "failed" }),
    ]);
    expect(n.doneCalls).toHaveLength(1);
  });

  it("fails with CF_NODE_INPUT, sending nothing, when a property is wrong", async () => {
    const n = await sendWhatsapp();
    const noConnection = jobMessage("5511999990006");
    (noConnection.payload as { whatsappId?: number }).whatsappId = undefined;
    const cases: [Record<string, unknown>, RegExp][] = [
      [noConnection, /^connection \(msg\.payload\.whatsappId\) must be a whole number/],
      [
        jobMessage("5511999990006", { number: undefined }),
        /^to \(msg\.payload\.data\.number\) must be a non-empty string/,
      ],
      // Another job's payload, without `data`: the default paths run through a missing object.
      [
        {
          ...jobMessage("5511999990006"),
          payload: { whatsappId: connection, phone: "5511999990006" },
        },
        /^to \(msg\.payload\.data\.number\) must be a non-empty string, got undefined$/,
      ],
      [
        jobMessage("5511999990006", { isGroup: "sim" }),
        /^group .* must be true or false, got "sim"/,
      ],
      [{ ...jobMessage("5511999990006"), job: undefined }, /key is empty and msg\.job is missing/],
    ];
    for (const [msg, message] of cases) {
      const { error, outputs } = await n.receive(msg);
      expect(error?.code).toBe("CF_NODE_INPUT");
      expect(error?.message).toMatch(message);
      expect(outputs).toEqual([[]]);
    }
    expect(await world.whatsapp.sends({ jid: "5511999990006@s.whatsapp.net" })).toEqual([]);
    expect(n.statuses().at(-1)).toEqual({ fill: "red", shape: "ring", text: "CF_NODE_INPUT" });
    expect(n.doneCalls).toHaveLength(cases.length);
  });
});
