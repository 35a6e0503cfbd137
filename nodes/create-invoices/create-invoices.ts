// `create invoices`: companies due within N days get one open invoice for that due date
// (InvoiceMonitor/CreateInvoices). A thin adapter over the runtime's BillingService.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import { readNumber, typedInput } from "../shared/typed-input";
import { declaration } from "./create-invoices.settings";

type CreateInvoicesDef = SettingsOf<typeof declaration>;

const DEFAULT_WITHIN_DAYS = 20;

export = (RED: NodeAPI) => {
  function CreateInvoicesNode(this: Node, config: CreateInvoicesDef) {
    const { services } = chatiaContext(RED);
    const within = { ...typedInput(config, "within"), fallback: DEFAULT_WITHIN_DAYS, whole: true };

    this.on("input", (msg: NodeMessage, send, done) => {
      this.status({ fill: "blue", shape: "ring", text: "invoicing…" });
      readNumber(RED, this, msg, within)
        .then((days) => services.billing.createDueInvoices(new Date(), days))
        .then(
          (result) => {
            const text = `${result.created} created, ${result.companies} due`;
            this.status({ fill: "green", shape: "dot", text });
            msg.payload = result;
            send(msg);
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  registerNode(RED, declaration, CreateInvoicesNode);
};
