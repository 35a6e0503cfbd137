// `move lane`: the kanban step (MoveKanbanLanes) for a set of companies, in one statement
// (TicketOpsService.moveLanes): tickets whose lane time passed go to the next lane, once.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { registerNode } from "../shared/register-node";
import { readIds, runStep } from "../shared/ticket-input";
import { declaration } from "./move-lane.settings";

type MoveLaneDef = SettingsOf<typeof declaration>;

export = (RED: NodeAPI) => {
  function MoveLaneNode(this: Node, config: MoveLaneDef) {
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
  registerNode(RED, declaration, MoveLaneNode);
};
