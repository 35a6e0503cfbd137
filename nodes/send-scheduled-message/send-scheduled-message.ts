// `send scheduled message`: sends one occurrence of a scheduled message at most once, then
// reschedules it if recurring or marks it ENVIADA (SendSacheduledMessages/SendMessage).
// A thin adapter over ScheduleService.sendScheduled.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import type { Plan } from "../../runtime/compile";
import { ChatiaError } from "../../runtime/errors";
import type { JobInfo } from "../../runtime/flow-bridge/dispatcher";
import type {
  SendScheduledData,
  SendScheduledResult,
} from "../../runtime/services/schedule.service";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import { messageProperty } from "../shared/typed-input";
import { declaration } from "./send-scheduled-message.settings";

type SendScheduledMessageDef = SettingsOf<typeof declaration>;

export = (RED: NodeAPI) => {
  function SendScheduledMessageNode(this: Node, config: SendScheduledMessageDef) {
    const { services, plan } = chatiaContext(RED);
    const property = config.property || "payload";

    this.on("input", (msg: NodeMessage & { job?: Partial<JobInfo> }, send, done) => {
      this.status({ fill: "blue", shape: "ring", text: "sending…" });
      Promise.resolve()
        .then(() => occurrence(messageProperty(RED, msg, property), property))
        .then((data) =>
          services.schedules.sendScheduled(data, undefined, {
            finalAttempt: isFinalAttempt(plan(), msg.job),
          }),
        )
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
  registerNode(RED, declaration, SendScheduledMessageNode);
};

/**
 * Whether the job in `msg.job` runs its last attempt (its manifest's `attempts`): then a failure
 * sets the schedule to ERRO, since no retry will come. Without `msg.job`, it is not.
 */
function isFinalAttempt(plan: Plan, job: Partial<JobInfo> | undefined): boolean {
  if (job?.queue === undefined || job.name === undefined || job.attempt === undefined) return false;
  const jobPlan = plan.queues
    .find((q) => q.name === job.queue)
    ?.jobs.find((j) => j.name === job.name);
  return jobPlan !== undefined && job.attempt >= jobPlan.options.attempts;
}

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
