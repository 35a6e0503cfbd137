// `pick attendant`: for each ticket of a set, a random attendant of its queue who is online and
// of profile `user`, other than its current one (TicketOpsService.pickAttendants, one query).
import type { Node, NodeAPI, NodeMessage } from "node-red";
import type { TicketRef } from "../../runtime/services/ticket-ops.service";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { registerNode } from "../shared/register-node";
import { readRows, runStep } from "../shared/ticket-input";
import { declaration } from "./pick-attendant.settings";

type PickAttendantDef = SettingsOf<typeof declaration>;

export = (RED: NodeAPI) => {
  function PickAttendantNode(this: Node, config: PickAttendantDef) {
    const { services } = chatiaContext(RED);

    this.on("input", (msg: NodeMessage, send, done) => {
      runStep(
        this,
        msg,
        send,
        done,
        () => {
          const tickets = readRows(RED, msg, config.property) as unknown as TicketRef[];
          return services.ticketOps.pickAttendants(tickets);
        },
        (m, picked) => {
          m.payload = picked;
          return `${picked.length} picked`;
        },
      );
    });
  }
  registerNode(RED, declaration, PickAttendantNode);
};
