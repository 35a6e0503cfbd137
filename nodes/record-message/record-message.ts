// `record message`: puts a message that was sent (or received) on a ticket's history, once per
// WhatsApp message id (TicketService.recordMessage). For sends made with `send whatsapp`'s
// recording off, or through another path. A thin adapter.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import type { RecordMessageInput } from "../../runtime/services/ticket.service";
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
import { declaration } from "./record-message.settings";

const PROPERTIES = ["company", "ticket", "wid", "body", "mediaType", "mediaUrl", "jid"] as const;
type Property = (typeof PROPERTIES)[number];

type RecordMessageDef = SettingsOf<typeof declaration>;

type Values = Record<Property, unknown>;

export = (RED: NodeAPI) => {
  function RecordMessageNode(this: Node, config: RecordMessageDef) {
    const { services } = chatiaContext(RED);
    const output = config.output || "message";

    this.on("input", (msg: NodeMessage, send, done) => {
      readInputs(RED, this, msg, config, PROPERTIES)
        .then((v) => {
          return services.tickets.recordMessage(recordInput(config, v));
        })
        .then(
          (recorded) => {
            RED.util.setMessageProperty(msg, output, recorded, true);
            this.status(
              recorded.created
                ? { fill: "green", shape: "dot", text: `recorded on #${recorded.ticketId}` }
                : { fill: "yellow", shape: "ring", text: `already on #${recorded.ticketId}` },
            );
            send(msg);
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  registerNode(RED, declaration, RecordMessageNode);
};

function recordInput(config: RecordMessageDef, v: Values): RecordMessageInput {
  const where = (p: Property) => describeInput(typedInput(config, p));
  return {
    companyId: requireId(v.company, where("company")),
    ticketId: requireId(v.ticket, where("ticket")),
    wid: requireText(v.wid, where("wid")),
    body: requireText(v.body, where("body"), ""),
    fromMe: config.fromMe !== false,
    mediaType: requireText(v.mediaType, where("mediaType"), "chat"),
    mediaUrl: isUnset(v.mediaUrl) ? null : requireText(v.mediaUrl, where("mediaUrl")),
    remoteJid: isUnset(v.jid) ? null : requireText(v.jid, where("jid")),
  };
}
