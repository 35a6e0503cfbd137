// `purge sessions`: WhatsApp session housekeeping (SessionMonitor/PurgeWhatsappSessions): stored
// auth state of deleted connections and of ones logged out too long is deleted (SessionService).
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { registerNode } from "../shared/register-node";
import { runStep } from "../shared/ticket-input";
import { readNumber, typedInput } from "../shared/typed-input";
import { declaration } from "./purge-sessions.settings";

type PurgeSessionsDef = SettingsOf<typeof declaration>;

export = (RED: NodeAPI) => {
  function PurgeSessionsNode(this: Node, config: PurgeSessionsDef) {
    const { services } = chatiaContext(RED);
    const days = { ...typedInput(config, "days"), fallback: 30 };

    this.on("input", (msg: NodeMessage, send, done) => {
      runStep(
        this,
        msg,
        send,
        done,
        async () =>
          services.sessions.purge(new Date(), {
            loggedOutDays: await readNumber(RED, this, msg, days),
          }),
        (m, result) => {
          m.payload = result;
          return `${result.deleted} purged`;
        },
      );
    });
  }
  registerNode(RED, declaration, PurgeSessionsNode);
};
