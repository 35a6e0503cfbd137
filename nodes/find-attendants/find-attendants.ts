// `find attendants`: a company's users, optionally of a queue, online or not, of a profile
// (TicketOpsService.findAttendants).
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { registerNode } from "../shared/register-node";
import { optionalId, runStep } from "../shared/ticket-input";
import { describeInput, readInputs, typedInput } from "../shared/typed-input";
import { declaration } from "./find-attendants.settings";

type FindAttendantsDef = SettingsOf<typeof declaration>;

export = (RED: NodeAPI) => {
  function FindAttendantsNode(this: Node, config: FindAttendantsDef) {
    const { services } = chatiaContext(RED);
    this.on("input", (msg: NodeMessage, send, done) => {
      runStep(
        this,
        msg,
        send,
        done,
        async () => {
          const { company, queue } = await readInputs(RED, this, msg, config, ["company", "queue"]);
          const where = (s: "company" | "queue") => describeInput(typedInput(config, s));
          const companyId = optionalId(company, where("company"));
          if (companyId === undefined)
            throw new ChatiaError("CF_NODE_INPUT", `${where("company")} is empty`);
          const queueId = optionalId(queue, where("queue"));
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
  registerNode(RED, declaration, FindAttendantsNode);
};
