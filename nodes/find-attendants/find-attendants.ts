// `find attendants`: a company's users, optionally of a queue, online or not, of a profile
// (TicketOpsService.findAttendants).
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import { chatiaContext } from "../shared/chatia-context";
import { optionalId, runStep } from "../shared/ticket-input";
import { evaluateProperty } from "../shared/typed-property";

type FindAttendantsDef = NodeDef & {
  /** The company id (typed input: msg, num, flow, global, env). @defaultValue "payload.companyId" (msg) */
  company?: string;
  companyType?: string;
  /** The queue id (typed input), empty for any. @defaultValue "payload.queueId" (msg) */
  queue?: string;
  queueType?: string;
  /** any, online or offline. @defaultValue "online" */
  online?: string;
  /** any, user or admin. @defaultValue "user" */
  profile?: string;
};

export = (RED: NodeAPI) => {
  function FindAttendantsNode(this: Node, config: FindAttendantsDef) {
    RED.nodes.createNode(this, config);
    const { services } = chatiaContext(RED);
    const property = (value: string | undefined, type: string | undefined, msg: NodeMessage) =>
      evaluateProperty(RED, this, msg, value, type || "msg");

    this.on("input", (msg: NodeMessage, send, done) => {
      runStep(
        this,
        msg,
        send,
        done,
        async () => {
          const [company, queue] = await Promise.all([
            property(config.company ?? "payload.companyId", config.companyType, msg),
            property(config.queue, config.queueType, msg),
          ]);
          const companyId = optionalId(company, "company");
          if (companyId === undefined) throw new ChatiaError("CF_NODE_INPUT", "company is empty");
          const queueId = optionalId(queue, "queue");
          const online = config.online || "online";
          const profile = config.profile || "user";
          if (
            !["any", "online", "offline"].includes(online) ||
            !["any", "user", "admin"].includes(profile)
          )
            throw new ChatiaError(
              "CF_NODE_INPUT",
              `online ${online} / profile ${profile} not valid`,
            );
          return services.ticketOps.findAttendants({
            companyId,
            ...(queueId === undefined ? {} : { queueId }),
            ...(online === "any" ? {} : { online: online === "online" }),
            ...(profile === "any" ? {} : { profile: profile as "user" | "admin" }),
          });
        },
        (m, users) => {
          m.payload = users;
          return `${users.length} found`;
        },
      );
    });
  }
  RED.nodes.registerType("find attendants", FindAttendantsNode);
};
