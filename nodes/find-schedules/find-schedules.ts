// `find schedules`: the scheduled messages due now (ScheduleMonitor/Verify), overdue ones within
// the staleness limit included; older ones are set to ERRO. A thin adapter over ScheduleService.
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import { chatiaContext } from "../shared/chatia-context";
import { failMessage } from "../shared/fail";
import { evaluateNumber } from "../shared/number-property";

type FindSchedulesDef = NodeDef & {
  /** Seconds ahead of now whose schedules are taken (and delayed to their sendAt). @defaultValue "60" (num) */
  lookAhead?: string;
  lookAheadType?: string;
  /** Minutes overdue after which a schedule is not sent but set to ERRO. @defaultValue "1440" (num) */
  staleAfter?: string;
  staleAfterType?: string;
};

export = (RED: NodeAPI) => {
  function FindSchedulesNode(this: Node, config: FindSchedulesDef) {
    RED.nodes.createNode(this, config);
    const { services } = chatiaContext(RED);
    const lookAhead = {
      label: "look-ahead seconds",
      value: config.lookAhead,
      type: config.lookAheadType,
      fallback: 60,
    };
    const staleAfter = {
      label: "stale after minutes",
      value: config.staleAfter,
      type: config.staleAfterType,
      fallback: 1440,
    };

    this.on("input", (msg: NodeMessage & { stale?: unknown; failed?: unknown }, send, done) => {
      this.status({ fill: "blue", shape: "ring", text: "finding…" });
      Promise.all([
        evaluateNumber(RED, this, msg, lookAhead),
        evaluateNumber(RED, this, msg, staleAfter),
      ])
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
  RED.nodes.registerType("find schedules", FindSchedulesNode);
};
