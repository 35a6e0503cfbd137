// `send ticket message`: a bot message (greeting, lane greeting, farewell) on each ticket of a
// set, rendered as a ticket template and sent once per ticket and version (TicketMessageService).
// The tickets go on unchanged; msg.messages says what was sent, skipped or failed.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import type { MessageSetting } from "../../runtime/services/ports/ticket-ops-store";
import type { TicketMessage } from "../../runtime/services/ticket-messages.service";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import { type Row, readRows } from "../shared/ticket-input";
import { readInput, typedInput } from "../shared/typed-input";
import { declaration } from "./send-ticket-message.settings";

type SendTicketMessageDef = SettingsOf<typeof declaration>;

const KIND = /^[A-Za-z][A-Za-z0-9_-]*$/;
const SETTINGS = new Set(["", "sendGreetingMessageOneQueues"]);

export = (RED: NodeAPI) => {
  function SendTicketMessageNode(this: Node, config: SendTicketMessageDef) {
    const { services } = chatiaContext(RED);
    const kind = config.kind || "greeting";
    const setting = config.setting || "";

    this.on("input", (msg: NodeMessage & { messages?: unknown }, send, done) => {
      this.status({ fill: "blue", shape: "ring", text: "sending…" });
      Promise.resolve()
        .then(async () => {
          if (!KIND.test(kind)) throw inputError(`kind ${JSON.stringify(kind)} is not a word`);
          if (!SETTINGS.has(setting)) throw inputError(`setting ${setting} is not known`);
          // The text: each row's field (kind `row`, a field name), else the same for every ticket.
          const text =
            config.textType === "row"
              ? undefined
              : await readInput(RED, this, msg, typedInput(config, "text"));
          const items = readRows(RED, msg, config.property).map((row) => item(row, config, text));
          return services.ticketMessages.send(
            items,
            { kind, onlyIfSetting: setting === "" ? null : (setting as MessageSetting) },
            new Date(),
          );
        })
        .then(
          (result) => {
            const text = `${result.sent.length} sent, ${result.failed.length} failed`;
            this.status({ fill: result.failed.length ? "yellow" : "green", shape: "dot", text });
            for (const f of result.failed)
              this.warn(`ticket ${f.ticketId}: ${f.code}: ${f.message}`);
            msg.messages = result;
            send(msg);
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  registerNode(RED, declaration, SendTicketMessageNode);
};

function item(row: Row, config: SendTicketMessageDef, same: unknown): TicketMessage {
  const ticketId = row.ticketId ?? row.id;
  if (!Number.isSafeInteger(ticketId))
    throw inputError(`a ticket has no id: ${JSON.stringify(row).slice(0, 120)}`);
  const text = config.textType === "row" ? row[config.text || "greeting"] : (same ?? "");
  if (text !== null && text !== undefined && typeof text !== "string")
    throw inputError(`ticket ${String(ticketId)}: its text must be a string`);
  const version = row.stamp;
  if (typeof version !== "string" && typeof version !== "number")
    throw inputError(`ticket ${String(ticketId)} has no stamp to tell this message apart`);
  return { ticketId: ticketId as number, text, version: String(version) };
}

function inputError(message: string): ChatiaError {
  return new ChatiaError("CF_NODE_INPUT", message);
}
