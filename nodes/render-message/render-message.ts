// `render message`: fills a message template — a ticket template (Mustache `{{name}}`, `{{ms}}`,
// `{{protocol}}`…, values from the ticket's rows or from the message) or a campaign message
// (`{nome}`, `{email}`, `{numero}`, custom `{key}`) — and adds the bot mark. Pure text work
// (runtime/services/message-template.ts) plus, for a ticket, one read of its rows.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import type { ChatiaServices } from "../../runtime/flow-bridge/node-context";
import {
  CAMPAIGN_MESSAGE_MARK,
  type CampaignMessageVars,
  markMessage,
  parseCampaignVariables,
  renderCampaignMessage,
  renderTicketTemplate,
  TICKET_MESSAGE_MARK,
  type TicketTemplateVars,
} from "../../runtime/services/message-template";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import {
  describeInput,
  isUnset,
  readInputs,
  requireId,
  requireObject,
  requireText,
  typedInput,
} from "../shared/typed-input";
import { declaration } from "./render-message.settings";

const PROPERTIES = ["template", "ticket", "company", "values"] as const;
type Property = (typeof PROPERTIES)[number];

type RenderMessageDef = SettingsOf<typeof declaration>;

type Values = Record<Property, unknown>;

/** The time zone of ticket values given without one: the companies' default. */
const DEFAULT_TIME_ZONE = "America/Sao_Paulo";

export = (RED: NodeAPI) => {
  function RenderMessageNode(this: Node, config: RenderMessageDef) {
    const { services } = chatiaContext(RED);
    const mode = config.mode === "campaign" ? "campaign" : "ticket";
    const output = config.output || "text";

    this.on("input", (msg: NodeMessage, send, done) => {
      readInputs(RED, this, msg, config, PROPERTIES)
        .then((v) => {
          return mode === "campaign" ? campaignText(config, v) : ticketText(services, config, v);
        })
        .then(
          (text) => {
            const mark = mode === "campaign" ? CAMPAIGN_MESSAGE_MARK : TICKET_MESSAGE_MARK;
            const out = config.mark === false ? text : markMessage(mark, text);
            RED.util.setMessageProperty(msg, output, out, true);
            this.status({ fill: "green", shape: "dot", text: `${out.length} characters` });
            send(msg);
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  registerNode(RED, declaration, RenderMessageNode);
};

function where(config: RenderMessageDef, p: Property): string {
  return describeInput(typedInput(config, p));
}

async function ticketText(
  services: ChatiaServices,
  config: RenderMessageDef,
  v: Values,
): Promise<string> {
  const template = requireText(v.template, where(config, "template"), "");
  const now = new Date();
  const vars = isUnset(v.ticket)
    ? ticketValues(requireObject(v.values ?? {}, where(config, "values")), now)
    : await services.tickets.templateVars(
        requireId(v.company, where(config, "company")),
        requireId(v.ticket, where(config, "ticket")),
        now,
      );
  return renderTicketTemplate(template, vars);
}

/** Ticket template values given in the message (when there is no ticket to read them from). */
function ticketValues(o: Record<string, unknown>, now: Date): TicketTemplateVars {
  const text = (key: string): string | null => {
    const value = o[key];
    if (isUnset(value)) return null;
    if (typeof value === "string" || typeof value === "number") return String(value);
    throw new ChatiaError(
      "CF_NODE_INPUT",
      `values.${key} must be text, got ${JSON.stringify(value)}`,
    );
  };
  const ticketId = o.ticketId;
  return {
    // `{{name}}` is the contact's name: `contactName` as the shipped jobs carry it, or plain `name`.
    contactName: text("contactName") ?? text("name"),
    ticketId: typeof ticketId === "number" ? ticketId : null,
    queueName: text("queueName"),
    connectionName: text("connectionName"),
    userName: text("userName"),
    companyName: text("companyName"),
    timeZone: text("timeZone") ?? DEFAULT_TIME_ZONE,
    now,
  };
}

function campaignText(config: RenderMessageDef, v: Values): string {
  const template = requireText(v.template, where(config, "template"), "");
  const o = requireObject(v.values ?? {}, where(config, "values"));
  const field = (a: string, b: string): string | null => {
    const value = o[a] ?? o[b];
    return isUnset(value) ? null : String(value);
  };
  const custom = o.custom ?? o.variables;
  const vars: CampaignMessageVars = {
    nome: field("nome", "name"),
    email: field("email", "email"),
    numero: field("numero", "number"),
    custom:
      typeof custom === "object" && custom !== null && !Array.isArray(custom)
        ? Object.fromEntries(Object.entries(custom).map(([k, x]) => [k, String(x ?? "")]))
        : parseCampaignVariables(custom),
  };
  return renderCampaignMessage(template, vars);
}
