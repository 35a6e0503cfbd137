// `purge sessions`: WhatsApp session housekeeping (SessionMonitor/PurgeWhatsappSessions): stored
// auth state of deleted connections and of ones logged out too long is deleted (SessionService).
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import { chatiaContext } from "../shared/chatia-context";
import { evaluateNumber } from "../shared/number-property";
import { runStep } from "../shared/ticket-input";

type PurgeSessionsDef = NodeDef & {
  /** Days a connection must have been logged out. @defaultValue "30" (num) */
  days?: string;
  daysType?: string;
};

export = (RED: NodeAPI) => {
  function PurgeSessionsNode(this: Node, config: PurgeSessionsDef) {
    RED.nodes.createNode(this, config);
    const { services } = chatiaContext(RED);
    const days = {
      label: "logged-out days",
      value: config.days,
      type: config.daysType,
      fallback: 30,
    };

    this.on("input", (msg: NodeMessage, send, done) => {
      runStep(
        this,
        msg,
        send,
        done,
        async () =>
          services.sessions.purge(new Date(), {
            loggedOutDays: await evaluateNumber(RED, this, msg, days),
          }),
        (m, result) => {
          m.payload = result;
          return `${result.deleted} purged`;
        },
      );
    });
  }
  RED.nodes.registerType("purge sessions", PurgeSessionsNode);
};
