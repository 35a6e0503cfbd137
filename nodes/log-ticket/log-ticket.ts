// `log ticket`: one LogTickets row per ticket of a set, of the type set in the editor, in one
// INSERT (TicketOpsService.logTickets). The message goes on unchanged, with msg.logged the count.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import type { TicketRef } from "../../runtime/services/ticket-ops.service";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { registerNode } from "../shared/register-node";
import { readRows, runStep } from "../shared/ticket-input";
import { declaration } from "./log-ticket.settings";

type LogTicketDef = SettingsOf<typeof declaration>;

const TYPE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

export = (RED: NodeAPI) => {
  function LogTicketNode(this: Node, config: LogTicketDef) {
    const { services } = chatiaContext(RED);
    const type = (config.logType || "redirect").trim();

    this.on("input", (msg: NodeMessage & { logged?: number }, send, done) => {
      runStep(
        this,
        msg,
        send,
        done,
        () => {
          if (!TYPE.test(type))
            throw new ChatiaError(
              "CF_NODE_INPUT",
              `log type ${JSON.stringify(type)} is not a word`,
            );
          const tickets = readRows(RED, msg, config.property) as unknown as TicketRef[];
          return services.ticketOps.logTickets(tickets, type, new Date());
        },
        (m, logged) => {
          (m as { logged?: number }).logged = logged;
          return `${logged} logged`;
        },
      );
    });
  }
  registerNode(RED, declaration, LogTicketNode);
};
