// `find schedules`: the scheduled messages due now (ScheduleMonitor/Verify), overdue ones within
// the staleness limit included; older ones are set to ERRO. A thin adapter over ScheduleService.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import { readNumber, typedInput } from "../shared/typed-input";
import { declaration } from "./find-schedules.settings";

type FindSchedulesDef = SettingsOf<typeof declaration>;

export = (RED: NodeAPI) => {
  function FindSchedulesNode(this: Node, config: FindSchedulesDef) {
    const { services } = chatiaContext(RED);
    const lookAhead = { ...typedInput(config, "lookAhead"), fallback: 60 };
    const staleAfter = { ...typedInput(config, "staleAfter"), fallback: 1440 };

    this.on("input", (msg: NodeMessage & { stale?: unknown; failed?: unknown }, send, done) => {
      this.status({ fill: "blue", shape: "ring", text: "finding…" });
      Promise.all([readNumber(RED, this, msg, lookAhead), readNumber(RED, this, msg, staleAfter)])
        .then(([seconds, minutes]) =>
          services.schedules.dueSchedules(new Date(), {
            lookAheadMs: seconds * 1000,
            staleAfterMs: minutes * 60_000,
          }),
        )
        .then(
          ({ due, stale, failed }) => {
            const text = `${due.length} due, ${stale.length} stale, ${failed.length} failed`;
            this.status({ fill: "green", shape: "dot", text });
            msg.payload = due;
            msg.stale = stale;
            msg.failed = failed;
            send(msg);
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  registerNode(RED, declaration, FindSchedulesNode);
};
