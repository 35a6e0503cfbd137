// `update schedule`: changes one scheduled message's status — ERRO with a reason for an
// occurrence (e.g. from a Catch node), or an ERRO schedule armed again (PENDENTE at a time).
// A thin adapter over ScheduleService.markError / rearm.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import {
  describeInput,
  isUnset,
  readInputs,
  requireId,
  requireText,
  typedInput,
} from "../shared/typed-input";
import { declaration } from "./update-schedule.settings";

const PROPERTIES = ["schedule", "sendAt", "reason"] as const;
type Property = (typeof PROPERTIES)[number];

type UpdateScheduleDef = SettingsOf<typeof declaration>;

export = (RED: NodeAPI) => {
  function UpdateScheduleNode(this: Node, config: UpdateScheduleDef) {
    const { services } = chatiaContext(RED);
    const action = config.action === "rearm" ? "rearm" : "error";

    this.on("input", (msg: NodeMessage, send, done) => {
      readInputs(RED, this, msg, config, PROPERTIES)
        .then((v) => {
          const where = (p: Property) => describeInput(typedInput(config, p));
          const scheduleId = requireId(v.schedule, where("schedule"));
          const sendAt = instant(v.sendAt, where("sendAt"));
          const now = new Date();
          if (action === "rearm") return services.schedules.rearm(scheduleId, sendAt, now);
          const reason = requireText(v.reason, where("reason"), "set to ERRO by a flow");
          return services.schedules.markError(
            { scheduleId, sendAt: sendAt.toISOString() },
            reason || "set to ERRO by a flow",
            now,
          );
        })
        .then(
          (changed) => {
            msg.payload = { changed, status: action === "rearm" ? "PENDENTE" : "ERRO" };
            this.status(
              changed
                ? { fill: "green", shape: "dot", text: action === "rearm" ? "PENDENTE" : "ERRO" }
                : { fill: "grey", shape: "ring", text: "unchanged" },
            );
            send(msg);
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  registerNode(RED, declaration, UpdateScheduleNode);
};

/** An ISO 8601 text, epoch ms or Date; anything else is CF_NODE_INPUT. */
function instant(value: unknown, what: string): Date {
  const d =
    value instanceof Date
      ? value
      : typeof value === "string" || typeof value === "number"
        ? new Date(value)
        : undefined;
  if (d !== undefined && !Number.isNaN(d.getTime()) && !isUnset(value)) return d;
  throw new ChatiaError(
    "CF_NODE_INPUT",
    `${what} must be a time (ISO 8601 or epoch ms), got ${value === undefined ? "nothing" : JSON.stringify(value)}`,
  );
}
