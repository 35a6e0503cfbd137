// `schedule messages`: enqueues each due schedule's send job, delayed to its exact sendAt, under
// a deterministic job id, then marks it AGENDADA (ScheduleMonitor/Verify). Thin: ScheduleService.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import type { DueSchedule } from "../../runtime/services/schedule.service";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import { messageProperty } from "../shared/typed-input";
import { declaration } from "./schedule-messages.settings";

type ScheduleMessagesDef = SettingsOf<typeof declaration>;

export = (RED: NodeAPI) => {
  function ScheduleMessagesNode(this: Node, config: ScheduleMessagesDef) {
    const { services } = chatiaContext(RED);
    const property = config.property || "payload";

    this.on("input", (msg: NodeMessage & { stale?: unknown; failed?: unknown }, send, done) => {
      this.status({ fill: "blue", shape: "ring", text: "enqueueing…" });
      const now = new Date();
      Promise.resolve()
        .then(() => dueSchedules(messageProperty(RED, msg, property), property))
        .then(async (due) => (await services.schedules.markAllScheduled(due, now)).length)
        .then(
          (enqueued) => {
            const stale = Array.isArray(msg.stale) ? msg.stale.length : 0;
            const failed = Array.isArray(msg.failed) ? msg.failed.length : 0;
            this.status({
              fill: "green",
              shape: "dot",
              text: `${enqueued} enqueued, ${stale} stale, ${failed} failed`,
            });
            msg.payload = { enqueued, stale, failed };
            send(msg);
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  registerNode(RED, declaration, ScheduleMessagesNode);
};

/** The due schedules in `value`; anything else is CF_NODE_INPUT. */
function dueSchedules(value: unknown, property: string): DueSchedule[] {
  const valid = (s: unknown): s is DueSchedule => {
    const d = s as Partial<DueSchedule> | null;
    return (
      typeof d?.id === "number" &&
      typeof d.sendAt === "string" &&
      !Number.isNaN(Date.parse(d.sendAt))
    );
  };
  if (Array.isArray(value) && value.every(valid)) return value;
  throw new ChatiaError(
    "CF_NODE_INPUT",
    `msg.${property} must be an array of { id, sendAt } (the output of find schedules)`,
  );
}
