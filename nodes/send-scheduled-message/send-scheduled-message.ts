// `send scheduled message`: sends one occurrence of a scheduled message at most once, then
// reschedules it if recurring or marks it ENVIADA (SendSacheduledMessages/SendMessage).
// A thin adapter over ScheduleService.sendScheduled.
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import type {
  SendScheduledData,
  SendScheduledResult,
} from "../../runtime/services/schedule.service";
import { chatiaContext } from "../shared/chatia-context";
import { failMessage } from "../shared/fail";

type SendScheduledMessageDef = NodeDef & {
  /** The msg property holding the job data `{ scheduleId, sendAt }`. @defaultValue "payload" */
  property?: string;
};

export = (RED: NodeAPI) => {
  function SendScheduledMessageNode(this: Node, config: SendScheduledMessageDef) {
    RED.nodes.createNode(this, config);
    const { services } = chatiaContext(RED);
    const property = config.property || "payload";

    this.on("input", (msg: NodeMessage, send, done) => {
      this.status({ fill: "blue", shape: "ring", text: "sending…" });
      Promise.resolve()
        .then(() => occurrence(RED.util.getMessageProperty(msg, property), property))
        .then((data) => services.schedules.sendScheduled(data))
        .then(
          (result) => {
            this.status(resultStatus(result));
            msg.payload = result;
            send(msg);
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  RED.nodes.registerType("send scheduled message", SendScheduledMessageNode);
};

function resultStatus(result: SendScheduledResult) {
  if (!result.sent)
    return { fill: "grey", shape: "ring", text: `not sent: ${result.reason}` } as const;
  if (result.alreadySent) return { fill: "yellow", shape: "ring", text: "already sent" } as const;
  return { fill: "green", shape: "dot", text: `sent, ${result.status}` } as const;
}

function occurrence(value: unknown, property: string): SendScheduledData {
  const d = value as Partial<SendScheduledData> | null;
  if (
    typeof d?.scheduleId === "number" &&
    Number.isSafeInteger(d.scheduleId) &&
    typeof d.sendAt === "string" &&
    !Number.isNaN(Date.parse(d.sendAt))
  ) {
    return { scheduleId: d.scheduleId, sendAt: d.sendAt };
  }
  throw new ChatiaError(
    "CF_NODE_INPUT",
    `msg.${property} must be { scheduleId, sendAt } (a SendSacheduledMessages job's data)`,
  );
}
