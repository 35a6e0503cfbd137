// The `send whatsapp` node as Node-RED drives it: properties evaluated by Node-RED's own
// evaluateNodeProperty (msg, flow, env, str…), the service called with them, the result sent on,
// errors handed to done() untouched, and the status dots. The services are stubs: their behaviour
// is tested in test/integration/services and (ownership) test/integration/api/tenancy-sweep.
import { EventEmitter } from "node:events";
import { util as redUtil } from "@node-red/util";
import type { NodeAPI } from "node-red";
import { describe, expect, it, vi } from "vitest";
import registerSendWhatsapp from "../../nodes/send-whatsapp/send-whatsapp";
import { ChatiaError } from "../../runtime/errors";
import type { SendInput, SendResult } from "../../runtime/services/message.service";

/** The node's properties as the editor saves them by default (see send-whatsapp.html). */
const DEFAULTS = {
  connection: "payload.whatsappId",
  connectionType: "msg",
  to: "payload.data.number",
  toType: "msg",
  text: "payload.data.body",
  textType: "msg",
  media: "payload.data.mediaPath",
  mediaType: "msg",
  group: "payload.data.isGroup",
  groupType: "msg",
  company: "payload.data.companyId",
  companyType: "msg",
  key: "",
  keyType: "str",
  record: true,
};

const RESULT: SendResult = {
  jid: "5511999999999@s.whatsapp.net",
  wid: "SIM1",
  messageId: 7,
  ticketId: 3,
  contactId: 2,
  alreadySent: false,
  sentAt: "2030-01-01T12:34:56.000Z",
};

interface Status {
  fill?: string;
  shape?: string;
  text?: string;
}

/** The job owner the stub ownership resolves: connection 3 is company 1's; nothing else resolves. */
async function ownerOf(job: { queue: string; name: string; data: unknown }) {
  const data = job.data as { whatsappId?: unknown } | undefined;
  return job.queue === "MessageQueue" && data?.whatsappId === 3
    ? ({ kind: "company", companyId: 1 } as const)
    : ({ kind: "system", reason: "no such connection", final: false } as const);
}

/** One node instance under a minimal Node-RED: createNode, status, a flow context, the real util. */
function nodeWith(
  config: Record<string, unknown>,
  send: (input: SendInput) => Promise<SendResult>,
) {
  const emitter = new EventEmitter();
  const statuses: Status[] = [];
  const flow = new Map<string, unknown>([["nextKey", "Campaign:42:1"]]);
  let NodeCtor: ((this: unknown, config: unknown) => void) | undefined;
  const RED = {
    nodes: {
      createNode(node: Record<string, unknown>, def: { id: string }) {
        Object.assign(node, {
          id: def.id,
          on: emitter.on.bind(emitter),
          status: (s: Status) => statuses.push(s),
          context: () => ({
            flow: {
              get: (key: string, _store: unknown, cb: (err: Error | null, v: unknown) => void) =>
                setImmediate(() => cb(null, flow.get(key))),
            },
          }),
        });
      },
      registerType(_type: string, ctor: typeof NodeCtor) {
        NodeCtor = ctor;
      },
    },
    util: redUtil,
    settings: { chatia: { services: { messages: { send }, ownership: { ownerOf } } } },
  } as unknown as NodeAPI;
  registerSendWhatsapp(RED);
  const node = {};
  NodeCtor?.call(node, { id: "n1", type: "send whatsapp", ...DEFAULTS, ...config });

  /** Feeds `msg` to the node; resolves with what it sent and the error it gave done(). */
  function receive(msg: Record<string, unknown>) {
    return new Promise<{ sent?: Record<string, unknown>; error?: unknown }>((resolve) => {
      let sent: Record<string, unknown> | undefined;
      emitter.emit(
        "input",
        msg,
        (m: Record<string, unknown>) => {
          sent = m;
        },
        (error?: unknown) => resolve({ sent, error }),
      );
    });
  }
  return { receive, statuses };
}

function jobMessage(data: Record<string, unknown> = {}) {
  return {
    _msgid: "m1",
    payload: { whatsappId: 3, data: { number: "5511999999999", body: "Olá!", ...data } },
    job: { id: "17", queue: "MessageQueue", name: "SendMessage", attempt: 1, timestamp: 0 },
  };
}

describe("send whatsapp", () => {
  it("reads a SendMessage payload by default and keys the send by the job", async () => {
    const send = vi.fn(async () => RESULT);
    const { receive, statuses } = nodeWith({}, send);
    const { sent, error } = await receive(jobMessage({ mediaPath: "menu.pdf", companyId: 1 }));
    expect(error).toBeUndefined();
    expect(send).toHaveBeenCalledWith({
      whatsappId: 3,
      number: "5511999999999",
      body: "Olá!",
      mediaPath: "menu.pdf",
      isGroup: false,
      companyId: 1,
      idempotencyKey: "MessageQueue:17",
      record: true,
    });
    expect(sent?.payload).toEqual(RESULT);
    expect(sent?.job).toMatchObject({ id: "17" });
    expect(statuses[0]).toEqual({ fill: "blue", shape: "ring", text: "sending…" });
    expect(statuses[1]).toMatchObject({ fill: "green", shape: "dot" });
    expect(statuses[1]?.text).toMatch(/^sent \d\d:\d\d:\d\d$/);
  });

  it("evaluates other kinds of property: flow context, string, number, boolean", async () => {
    const send = vi.fn(async () => RESULT);
    const { receive } = nodeWith(
      {
        connection: "5",
        connectionType: "num",
        to: "120363040000000001",
        toType: "str",
        group: "true",
        groupType: "bool",
        key: "nextKey",
        keyType: "flow",
        record: false,
      },
      send,
    );
    await receive(jobMessage());
    expect(send).toHaveBeenCalledWith({
      whatsappId: 5,
      number: "120363040000000001",
      body: "Olá!",
      mediaPath: null,
      isGroup: true,
      idempotencyKey: "Campaign:42:1",
      record: false,
      companyId: 1,
    });
  });

  it("sends for the company of the job it handles when no company is set", async () => {
    const send = vi.fn(async () => RESULT);
    const { receive } = nodeWith({}, send);
    await receive(jobMessage());
    expect(send).toHaveBeenCalledWith(expect.objectContaining({ whatsappId: 3, companyId: 1 }));
  });

  it("refuses a send whose company is not known (CF_TENANCY_OWNER_UNKNOWN)", async () => {
    const send = vi.fn(async () => RESULT);
    // A connection no owner resolves for, and a message that comes from no job at all.
    const unresolved = {
      ...jobMessage(),
      payload: { whatsappId: 4, data: { number: "5511999999999", body: "x" } },
    };
    const noJob = { ...jobMessage(), job: undefined };
    const byJob = nodeWith({}, send);
    const byKey = nodeWith({ key: "k-1", keyType: "str" }, send);
    for (const [node, msg] of [
      [byJob, unresolved],
      [byKey, noJob],
    ] as const) {
      const { error } = await node.receive(msg);
      expect((error as ChatiaError).code).toBe("CF_TENANCY_OWNER_UNKNOWN");
      expect(node.statuses.at(-1)).toMatchObject({ fill: "red", text: "CF_TENANCY_OWNER_UNKNOWN" });
    }
    expect(send).not.toHaveBeenCalled();
  });

  it("shows an earlier send of the same key as 'already sent'", async () => {
    const { receive, statuses } = nodeWith({}, async () => ({ ...RESULT, alreadySent: true }));
    const { sent } = await receive(jobMessage());
    expect(sent?.payload).toMatchObject({ alreadySent: true });
    expect(statuses.at(-1)).toEqual({ fill: "yellow", shape: "ring", text: "already sent" });
  });

  it("hands the service's error to done() untouched and shows its code", async () => {
    const failure = new ChatiaError("CF_WA_DISCONNECTED", "connection 3 is DISCONNECTED");
    const { receive, statuses } = nodeWith({}, async () => {
      throw failure;
    });
    const { sent, error } = await receive(jobMessage());
    expect(error).toBe(failure);
    expect(sent).toBeUndefined();
    expect(statuses.at(-1)).toEqual({ fill: "red", shape: "ring", text: "CF_WA_DISCONNECTED" });
  });

  it("fails with CF_NODE_INPUT, without calling the service, when a property is wrong", async () => {
    const send = vi.fn(async () => RESULT);
    const { receive, statuses } = nodeWith({}, send);
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { ...jobMessage(), payload: { data: { number: "1", body: "x" } } },
        /^connection \(msg\.payload\.whatsappId\) must be a whole number/,
      ],
      [
        jobMessage({ number: undefined }),
        /^to \(msg\.payload\.data\.number\) must be a non-empty string/,
      ],
      // Another job's payload, without `data`: the default paths run through a missing object.
      [
        { ...jobMessage(), payload: { whatsappId: 3, phone: "5511999999999" } },
        /^to \(msg\.payload\.data\.number\) must be a non-empty string, got undefined$/,
      ],
      [jobMessage({ isGroup: "sim" }), /^group .* must be true or false, got "sim"/],
      [{ ...jobMessage(), job: undefined }, /key is empty and msg\.job is missing/],
    ];
    for (const [msg, message] of cases) {
      const { error } = await receive(msg);
      expect(error).toBeInstanceOf(ChatiaError);
      expect((error as ChatiaError).code).toBe("CF_NODE_INPUT");
      expect((error as ChatiaError).message).toMatch(message);
    }
    expect(send).not.toHaveBeenCalled();
    expect(statuses.at(-1)).toEqual({ fill: "red", shape: "ring", text: "CF_NODE_INPUT" });
  });
});
