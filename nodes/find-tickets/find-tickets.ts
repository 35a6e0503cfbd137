// `find tickets`: the tickets matching the editor's criteria, across companies, in one query
// (TicketOpsService.findTickets). The set goes on as msg.payload for the next set-based step.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import type { IdleRule, TicketCriteria } from "../../runtime/services/ports/ticket-ops-store";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { registerNode } from "../shared/register-node";
import { optionalId, readIds, runStep } from "../shared/ticket-input";
import { readNumber, typedInput } from "../shared/typed-input";
import { declaration } from "./find-tickets.settings";

type FindTicketsDef = SettingsOf<typeof declaration>;

const STATUSES = new Set(["open", "pending", "closed"]);
const IDLE_KINDS: Record<string, IdleRule["kind"]> = {
  none: "none",
  minutes: "minutes",
  timeSendQueue: "connectionTimeSendQueue",
  expiresTicket: "connectionExpiresTicket",
  tempoRoteador: "queueTempoRoteador",
};

export = (RED: NodeAPI) => {
  function FindTicketsNode(this: Node, config: FindTicketsDef) {
    const { services } = chatiaContext(RED);
    const minutes = { ...typedInput(config, "idleMinutes"), fallback: 0 };

    this.on("input", (msg: NodeMessage, send, done) => {
      runStep(
        this,
        msg,
        send,
        done,
        async () => {
          const idle =
            config.idle === "minutes"
              ? ({
                  kind: "minutes",
                  minutes: await readNumber(RED, this, msg, minutes),
                } as const)
              : undefined;
          return services.ticketOps.findTickets(criteria(RED, config, msg, idle), new Date());
        },
        (m, tickets) => {
          m.payload = tickets;
          return `${tickets.length} found`;
        },
      );
    });
  }
  registerNode(RED, declaration, FindTicketsNode);
};

function criteria(
  RED: NodeAPI,
  config: FindTicketsDef,
  msg: NodeMessage,
  minutes: IdleRule | undefined,
): TicketCriteria {
  const status = config.ticketStatus;
  if (status !== "" && !STATUSES.has(status))
    throw inputError(`ticket status ${status} is not open, pending or closed`);
  const kind = IDLE_KINDS[config.idle || "none"];
  if (kind === undefined)
    throw inputError(`idle ${config.idle} is not one of ${Object.keys(IDLE_KINDS).join(", ")}`);
  const user = config.user || "any";
  if (user !== "any" && user !== "with" && user !== "without")
    throw inputError(`user ${user} is not any, with or without`);
  const queue = config.queue || "any";
  if (!["any", "none", "routed", "id"].includes(queue))
    throw inputError(`queue ${queue} is not any, none, routed or id`);
  const queueId = queue === "id" ? optionalId(config.queueId, "queue id") : undefined;
  if (queue === "id" && queueId === undefined) throw inputError("queue id is empty");
  const whatsappId = optionalId(config.connection, "connection");
  const tagId = optionalId(config.tag, "tag");
  return {
    ...(status === "" ? {} : { status: status as "open" | "pending" | "closed" }),
    queue: queue === "id" ? (queueId as number) : (queue as "any" | "none" | "routed"),
    ...(whatsappId === undefined ? {} : { whatsappId }),
    connected: config.connected === true,
    idle: minutes ?? ({ kind } as IdleRule),
    user,
    ...(tagId === undefined ? {} : { tagId }),
    groups: config.groups !== false,
    ...(config.companies ? { companyIds: readIds(RED, msg, config.companies) } : {}),
  };
}

function inputError(message: string): ChatiaError {
  return new ChatiaError("CF_NODE_INPUT", message);
}
