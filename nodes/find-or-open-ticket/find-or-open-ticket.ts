// `find or open ticket`: the contact's open or pending ticket on a connection, or a new one with
// the queue, attendant and status given (TicketService.findOrOpenTicket). A thin adapter.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import type { TicketStatus } from "../../runtime/services/ports/enums";
import type { FindOrOpenTicketInput } from "../../runtime/services/ticket.service";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import {
  describeInput,
  isUnset,
  optionalIdOrNull,
  readInputs,
  requireId,
  requireText,
  typedInput,
} from "../shared/typed-input";
import { declaration } from "./find-or-open-ticket.settings";

/** The typed inputs: `<prop>` holds the value, `<prop>Type` its kind. */
const PROPERTIES = [
  "company",
  "connection",
  "contact",
  "number",
  "group",
  "queue",
  "user",
  "ticketStatus",
] as const;
type Property = (typeof PROPERTIES)[number];

type FindOrOpenTicketDef = SettingsOf<typeof declaration>;

type Values = Record<Property, unknown>;

export = (RED: NodeAPI) => {
  function FindOrOpenTicketNode(this: Node, config: FindOrOpenTicketDef) {
    const { services } = chatiaContext(RED);
    const output = config.output || "ticket";

    this.on("input", (msg: NodeMessage, send, done) => {
      this.status({ fill: "blue", shape: "ring", text: "looking…" });
      readInputs(RED, this, msg, config, PROPERTIES)
        .then((v) => {
          return services.tickets.findOrOpenTicket(ticketInput(config, v));
        })
        .then(
          ({ ticket, created }) => {
            RED.util.setMessageProperty(msg, output, { ...ticket, created }, true);
            this.status({
              fill: "green",
              shape: "dot",
              text: `${created ? "opened" : "found"} #${ticket.id} (${ticket.status})`,
            });
            send(msg);
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  registerNode(RED, declaration, FindOrOpenTicketNode);
};

function ticketInput(config: FindOrOpenTicketDef, v: Values): FindOrOpenTicketInput {
  const where = (p: Property) => describeInput(typedInput(config, p));
  const common = {
    companyId: requireId(v.company, where("company")),
    whatsappId: requireId(v.connection, where("connection")),
    queueId: optionalIdOrNull(v.queue, where("queue")),
    userId: optionalIdOrNull(v.user, where("user")),
    status: requireText(v.ticketStatus, where("ticketStatus"), "pending") as TicketStatus,
  };
  if (!isUnset(v.contact)) return { ...common, contactId: requireId(v.contact, where("contact")) };
  if (isUnset(v.number)) {
    throw new ChatiaError(
      "CF_NODE_INPUT",
      `neither ${describeInput(typedInput(config, "contact"))} nor ${describeInput(typedInput(config, "number"))} is set`,
    );
  }
  return {
    ...common,
    number: requireText(v.number, where("number")),
    isGroup: v.group === true || v.group === "true",
  };
}
