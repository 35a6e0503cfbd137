// The scheduled-message nodes (`find schedules`, `schedule messages`, `send scheduled message`,
// `update schedule`) under Node-RED's node test helper, over the services the runtime builds on a
// real Postgres, Bull queues of the repository's jobs.yaml on a Redis prefix of the test's own,
// and the simulated WhatsApp driver: due and stale occurrences found, their send jobs added once,
// each occurrence sent once and its schedule moved on, ERRO set and re-armed; CF_NODE_INPUT
// naming the setting and path; done() once per message. The tests of this file run in order:
// `find schedules` first, before the others add schedules of their own.
import { describe, expect, it } from "vitest";
import registerFindSchedules from "../../nodes/find-schedules/find-schedules";
import registerScheduleMessages from "../../nodes/schedule-messages/schedule-messages";
import registerSendScheduledMessage from "../../nodes/send-scheduled-message/send-scheduled-message";
import registerUpdateSchedule from "../../nodes/update-schedule/update-schedule";
import { helper, loadNode, type NodeWorld, typed, useNodeWorld } from "../helpers/node-harness";
import { TicketWorld } from "../helpers/tickets";

let world: NodeWorld;
let w: TicketWorld;
let companyId: number;
let whatsappId: number;
let contactId: number;

useNodeWorld(async (created) => {
  world = created;
  w = new TicketWorld(world.db.sequelize);
  companyId = await w.company();
  whatsappId = await w.connection(companyId);
  contactId = await w.contact(companyId, { name: "Carla" });
});

interface ScheduleRow {
  id: number;
  status: string;
  sendAt: Date;
  errorReason: string | null;
}

const schedule = (sendAt: Date, fields: Record<string, unknown> = {}) =>
  world.rows.insert<ScheduleRow>("Schedules", {
    body: "Lembrete",
    sendAt,
    contactId,
    companyId,
    whatsappId,
    ...fields,
  });
/** `s` as stored now (updated in place). */
const reload = async (s: ScheduleRow) =>
  Object.assign(s, await world.rows.get<ScheduleRow>("Schedules", { id: s.id }));
const input = { fill: "red", shape: "ring", text: "CF_NODE_INPUT" };

describe("find schedules → schedule messages", () => {
  it("finds the due and stale occurrences, then adds each due one's send job once", async () => {
    const due = await schedule(new Date(Date.now() + 20_000));
    const stale = await schedule(new Date(Date.now() - 3 * 86_400_000));
    await schedule(new Date(Date.now() + 3_600_000));
    const find = await loadNode(
      registerFindSchedules,
      "find schedules",
      typed({ lookAhead: ["payload.seconds", "msg"], staleAfter: ["1440", "num"] }),
      world.context,
    );
    const found = await find.receive({ _msgid: "f1", payload: { seconds: 60 } });
    expect(found.error).toBeUndefined();
    expect(found.sent?.payload).toEqual([
      expect.objectContaining({ id: due.id, companyId, sendAt: due.sendAt.toISOString() }),
    ]);
    expect(found.sent?.stale).toEqual([expect.objectContaining({ id: stale.id, status: "ERRO" })]);
    expect(found.sent?.failed).toEqual([]);
    expect(find.statuses()).toEqual([
      { fill: "blue", shape: "ring", text: "finding…" },
      { fill: "green", shape: "dot", text: "1 due, 1 stale, 0 failed" },
    ]);
    const bad = await find.receive({ _msgid: "f2", payload: { seconds: "soon" } });
    expect(bad.error?.message).toBe(
      'lookAhead (msg.payload.seconds) must be a number >= 0, got "soon"',
    );
    expect(find.statuses().at(-1)).toEqual(input);
    expect(find.doneCalls).toHaveLength(2);
    await helper.unload();

    const enqueue = await loadNode(
      registerScheduleMessages,
      "schedule messages",
      {},
      world.context,
    );
    const first = await enqueue.receive(found.sent as Record<string, unknown>);
    expect(first.error).toBeUndefined();
    expect(first.sent?.payload).toEqual({ enqueued: 1, stale: 1, failed: 0 });
    expect(enqueue.statuses().at(-1)).toEqual({
      fill: "green",
      shape: "dot",
      text: "1 enqueued, 1 stale, 0 failed",
    });
    await enqueue.receive(found.sent as Record<string, unknown>);
    const jobs = await world.queues.queue("SendSacheduledMessages").bull.getDelayed();
    expect(jobs.map((j) => j.data)).toEqual([
      { scheduleId: due.id, sendAt: due.sendAt.toISOString() },
    ]);
    await reload(due);
    expect(due.status).toBe("AGENDADA");
    const notList = await enqueue.receive({ _msgid: "s3", payload: { id: due.id } });
    expect(notList.error?.message).toBe(
      "msg.payload must be an array of { id, sendAt } (the output of find schedules)",
    );
    expect(enqueue.doneCalls).toHaveLength(3);
  });
});

describe("send scheduled message", () => {
  /** A SendSacheduledMessages/SendMessage job's message on its `attempt`. */
  const job = (data: Record<string, unknown>, attempt = 1) => ({
    _msgid: `send:${attempt}`,
    payload: data,
    job: { id: "s1", queue: "SendSacheduledMessages", name: "SendMessage", attempt, timestamp: 0 },
  });

  it("sends an occurrence once, sets it ENVIADA, and sends nothing for it again", async () => {
    const s = await schedule(new Date(), { status: "AGENDADA", body: "Sua consulta é amanhã" });
    const n = await loadNode(
      registerSendScheduledMessage,
      "send scheduled message",
      {},
      world.context,
    );
    const data = { scheduleId: s.id, sendAt: s.sendAt.toISOString() };
    const first = await n.receive(job(data));
    expect(first.error).toBeUndefined();
    expect(first.sent?.payload).toMatchObject({
      scheduleId: s.id,
      sent: true,
      alreadySent: false,
      status: "ENVIADA",
    });
    expect(n.statuses().slice(0, 2)).toEqual([
      { fill: "blue", shape: "ring", text: "sending…" },
      { fill: "green", shape: "dot", text: "sent, ENVIADA" },
    ]);
    const again = await n.receive(job(data, 2));
    expect(again.sent?.payload).toEqual({ scheduleId: s.id, sent: false, reason: "obsolete" });
    expect(n.statuses().at(-1)).toEqual({
      fill: "grey",
      shape: "ring",
      text: "not sent: obsolete",
    });
    const contact = await w.rows<{ number: string }>(
      `SELECT number FROM "Contacts" WHERE id = $1`,
      [contactId],
    );
    const sends = await world.whatsapp.sends({ jid: `${contact[0]?.number}@s.whatsapp.net` });
    expect(sends.map((x) => x.text)).toEqual(["\u200e Sua consulta é amanhã"]);
    const bad = await n.receive(job({ scheduleId: s.id }));
    expect(bad.error?.message).toBe(
      "msg.payload must be { scheduleId, sendAt } (a SendSacheduledMessages job's data)",
    );
    expect(n.doneCalls).toHaveLength(3);
  });

  it("on the job's last attempt (jobs.yaml: 3), a failed send sets the schedule to ERRO", async () => {
    const down = await w.connection(companyId, { status: "DISCONNECTED" });
    const early = await schedule(new Date(), { status: "AGENDADA", whatsappId: down });
    const last = await schedule(new Date(), { status: "AGENDADA", whatsappId: down });
    const n = await loadNode(
      registerSendScheduledMessage,
      "send scheduled message",
      {},
      world.context,
    );
    const retried = await n.receive(
      job({ scheduleId: early.id, sendAt: early.sendAt.toISOString() }, 1),
    );
    expect(retried.error?.code).toBe("CF_WA_DISCONNECTED");
    const final = await n.receive(
      job({ scheduleId: last.id, sendAt: last.sendAt.toISOString() }, 3),
    );
    expect(final.error?.code).toBe("CF_WA_DISCONNECTED");
    expect(n.statuses().at(-1)).toEqual({ fill: "red", shape: "ring", text: "CF_WA_DISCONNECTED" });
    await Promise.all([reload(early), reload(last)]);
    expect([early.status, last.status]).toEqual(["AGENDADA", "ERRO"]);
    expect(last.errorReason).toMatch(/^CF_WA_DISCONNECTED/);
    expect(n.doneCalls).toHaveLength(2);
  });
});

describe("update schedule", () => {
  it("sets an occurrence to ERRO with the caught error, re-arms it, and refuses a bad time", async () => {
    const s = await schedule(new Date("2031-05-01T12:00:00Z"), { status: "AGENDADA" });
    const toError = await loadNode(
      registerUpdateSchedule,
      "update schedule",
      { action: "error" },
      world.context,
    );
    const failed = await toError.receive({
      _msgid: "e1",
      payload: { scheduleId: s.id, sendAt: s.sendAt.toISOString() },
      error: { message: "CF_WA_TIMEOUT: no answer" },
    });
    expect(failed.sent?.payload).toEqual({ changed: true, status: "ERRO" });
    expect(toError.statuses()).toEqual([{ fill: "green", shape: "dot", text: "ERRO" }]);
    await reload(s);
    expect([s.status, s.errorReason]).toEqual(["ERRO", "CF_WA_TIMEOUT: no answer"]);
    await helper.unload();

    const rearm = await loadNode(
      registerUpdateSchedule,
      "update schedule",
      {
        action: "rearm",
        ...typed({ schedule: ["id", "flow"], sendAt: ["2031-06-01T09:00:00.000Z", "str"] }),
      },
      world.context,
    );
    rearm.node.context().flow.set("id", s.id);
    const armed = await rearm.receive({ _msgid: "e2" });
    expect(armed.sent?.payload).toEqual({ changed: true, status: "PENDENTE" });
    const twice = await rearm.receive({ _msgid: "e3" });
    expect(twice.sent?.payload).toEqual({ changed: false, status: "PENDENTE" });
    expect(rearm.statuses().at(-1)).toEqual({ fill: "grey", shape: "ring", text: "unchanged" });
    await reload(s);
    expect([s.status, s.sendAt.toISOString(), s.errorReason]).toEqual([
      "PENDENTE",
      "2031-06-01T09:00:00.000Z",
      null,
    ]);
    await helper.unload();

    const bad = await loadNode(
      registerUpdateSchedule,
      "update schedule",
      { action: "rearm" },
      world.context,
    );
    const soon = await bad.receive({ _msgid: "e4", payload: { scheduleId: s.id, sendAt: "soon" } });
    expect(soon.error?.message).toBe(
      'sendAt (msg.payload.sendAt) must be a time (ISO 8601 or epoch ms), got "soon"',
    );
    const noId = await bad.receive({ _msgid: "e5", payload: { sendAt: "2031-06-01T09:00:00Z" } });
    expect(noId.error?.message).toBe(
      "schedule (msg.payload.scheduleId) must be a whole number >= 1, got nothing",
    );
    expect(bad.statuses()).toEqual([input, input]);
    expect(bad.doneCalls).toHaveLength(2);
  });
});
