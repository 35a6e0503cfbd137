// `update ticket`: changes a set of tickets in one statement (TicketOpsService.updateTickets):
// status, queue, attendant, or close. Only tickets still at the version they were found at are
// changed, so overlapping runs change each once; each changed ticket is told to its company's
// frontend as `company-<id>-ticket`.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import type { TicketRef, TicketUpdate } from "../../runtime/services/ticket-ops.service";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { registerNode } from "../shared/register-node";
import { optionalId, readRows, runStep } from "../shared/ticket-input";
import { declaration } from "./update-ticket.settings";

type UpdateTicketDef = SettingsOf<typeof declaration>;

export = (RED: NodeAPI) => {
  function UpdateTicketNode(this: Node, config: UpdateTicketDef) {
    const { services } = chatiaContext(RED);

    this.on("input", (msg: NodeMessage, send, done) => {
      runStep(
        this,
        msg,
        send,
        done,
        () => {
          const tickets = readRows(RED, msg, config.property) as unknown as TicketRef[];
          checkRefs(tickets);
          return services.ticketOps.updateTickets(tickets, updateOf(config), new Date());
        },
        (m, changed) => {
          m.payload = changed;
          return `${changed.length} updated`;
        },
      );
    });
  }
  registerNode(RED, declaration, UpdateTicketNode);
};

function updateOf(config: UpdateTicketDef): TicketUpdate {
  const status = config.ticketStatus || "keep";
  if (!["keep", "open", "pending", "closed"].includes(status))
    throw inputError(`ticket status ${status} is not keep, open, pending or closed`);
  const queue = choice(config.queue, ["keep", "redirect", "none"], config.queueId, "queue");
  const user = choice(config.user, ["keep", "picked", "none"], config.userId, "user");
  const emit = config.emit || "update";
  if (emit !== "update" && emit !== "delete" && emit !== "none")
    throw inputError(`emit ${emit} is not update, delete or none`);
  return {
    ...(status === "keep" ? {} : { status: status as "open" | "pending" | "closed" }),
    queue: queue as TicketUpdate["queue"],
    user: user as TicketUpdate["user"],
    close: config.close === true,
    emit,
  };
}

function choice(value: string | undefined, words: string[], id: string | undefined, label: string) {
  const v = value || "keep";
  if (words.includes(v)) return v;
  if (v !== "id") throw inputError(`${label} ${v} is not ${words.join(", ")} or id`);
  const n = optionalId(id, `${label} id`);
  if (n === undefined) throw inputError(`${label} id is empty`);
  return n;
}

function checkRefs(tickets: readonly TicketRef[]): void {
  const bad = tickets.find(
    (t) =>
      !Number.isSafeInteger(t.id) ||
      !Number.isSafeInteger(t.companyId) ||
      typeof t.stamp !== "string",
  );
  if (bad !== undefined)
    throw inputError(
      `each ticket needs id, companyId and stamp (as find tickets gives them), got ${JSON.stringify(bad).slice(0, 120)}`,
    );
}

function inputError(message: string): ChatiaError {
  return new ChatiaError("CF_NODE_INPUT", message);
}
