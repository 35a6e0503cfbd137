// `move lane`: the kanban step (MoveKanbanLanes) for a set of companies, in one statement
// (TicketOpsService.moveLanes): tickets whose lane time passed go to the next lane, once.
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import { chatiaContext } from "../shared/chatia-context";
import { readIds, runStep } from "../shared/ticket-input";

type MoveLaneDef = NodeDef & {
  /** Where the companies are (ids, or objects with an id). @defaultValue "payload" */
  property?: string;
};

export = (RED: NodeAPI) => {
  function MoveLaneNode(this: Node, config: MoveLaneDef) {
    RED.nodes.createNode(this, config);
    const { services } = chatiaContext(RED);

    this.on("input", (msg: NodeMessage, send, done) => {
      runStep(
        this,
        msg,
        send,
        done,
        () =>
          services.ticketOps.moveLanes(readIds(RED, msg, config.property || "payload"), new Date()),
        (m, moves) => {
          m.payload = moves;
          return `${moves.length} moved`;
        },
      );
    });
  }
  RED.nodes.registerType("move lane", MoveLaneNode);
};
