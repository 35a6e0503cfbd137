// `pick attendant`: for each ticket of a set, a random attendant of its queue who is online and
// of profile `user`, other than its current one (TicketOpsService.pickAttendants, one query).
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import type { TicketRef } from "../../runtime/services/ticket-ops.service";
import { chatiaContext } from "../shared/chatia-context";
import { readRows, runStep } from "../shared/ticket-input";

type PickAttendantDef = NodeDef & {
  /** Where the tickets are. @defaultValue "payload" */
  property?: string;
};

export = (RED: NodeAPI) => {
  function PickAttendantNode(this: Node, config: PickAttendantDef) {
    RED.nodes.createNode(this, config);
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
  RED.nodes.registerType("pick attendant", PickAttendantNode);
};
