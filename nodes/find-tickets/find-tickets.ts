// `find tickets`: the tickets matching the editor's criteria, across companies, in one query
// (TicketOpsService.findTickets). The set goes on as msg.payload for the next set-based step.
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import type {
  IdleRule,
  TicketCriteria,
} from "../../runtime/adapters/db/repositories/ticket-ops-store";
import { ChatiaError } from "../../runtime/errors";
import { chatiaContext } from "../shared/chatia-context";
import { evaluateNumber } from "../shared/number-property";
import { optionalId, readIds, runStep } from "../shared/ticket-input";

type FindTicketsDef = NodeDef & {
  /** "" (any), open, pending or closed. @defaultValue "pending" */
  status?: string;
  /** any, none, routed or id (then `queueId`). @defaultValue "any" */
  queue?: string;
  queueId?: string;
  /** A connection id, or "" for any. */
  connection?: string;
  /** Only tickets of CONNECTED, live connections. @defaultValue false */
  connected?: boolean;
  /** none, minutes, timeSendQueue, expiresTicket or tempoRoteador. @defaultValue "none" */
  idle?: string;
  /** Minutes, when `idle` is "minutes" (typed input: num, msg, env). */
  idleMinutes?: string;
  idleMinutesType?: string;
  /** any, with or without. @defaultValue "any" */
  user?: string;
  /** A tag (lane) id, or "" for any. */
  tag?: string;
  /** Include group tickets. @defaultValue true */
  groups?: boolean;
  /** Message property with the companies to search; "" for every active company. */
  companies?: string;
};

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
    RED.nodes.createNode(this, config);
    const { services } = chatiaContext(RED);
    const minutes = {
      label: "idle minutes",
      value: config.idleMinutes,
      type: config.idleMinutesType,
      fallback: 0,
    };

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
                  minutes: await evaluateNumber(RED, this, msg, minutes),
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
  RED.nodes.registerType("find tickets", FindTicketsNode);
};

function criteria(
  RED: NodeAPI,
  config: FindTicketsDef,
  msg: NodeMessage,
  minutes: IdleRule | undefined,
): TicketCriteria {
  const status = config.status ?? "pending";
  if (status !== "" && !STATUSES.has(status))
    throw inputError(`status ${status} is not open, pending or closed`);
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
