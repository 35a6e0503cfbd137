// `create invoices`: companies due within N days get one open invoice for that due date
// (InvoiceMonitor/CreateInvoices). A thin adapter over the runtime's BillingService.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { evaluateNumber } from "../shared/number-property";
import { registerNode } from "../shared/register-node";
import { declaration } from "./create-invoices.settings";

type CreateInvoicesDef = SettingsOf<typeof declaration>;

const DEFAULT_WITHIN_DAYS = 20;

export = (RED: NodeAPI) => {
  function CreateInvoicesNode(this: Node, config: CreateInvoicesDef) {
    const { services } = chatiaContext(RED);
    const within = {
      label: "within days",
      value: config.within,
      type: config.withinType,
      fallback: DEFAULT_WITHIN_DAYS,
      whole: true,
    };

    this.on("input", (msg: NodeMessage, send, done) => {
      this.status({ fill: "blue", shape: "ring", text: "invoicing…" });
      evaluateNumber(RED, this, msg, within)
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
