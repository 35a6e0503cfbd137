// `create invoices`: companies due within N days get one open invoice for that due date
// (InvoiceMonitor/CreateInvoices). A thin adapter over the runtime's BillingService.
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import { chatiaContext } from "../shared/chatia-context";
import { failMessage } from "../shared/fail";
import { evaluateNumber } from "../shared/number-property";

type CreateInvoicesDef = NodeDef & {
  /** Calendar days before a company's due date from which it is invoiced. @defaultValue "20" (num) */
  within?: string;
  /** Kind of `within`: num, msg, flow, global or env. @defaultValue "num" */
  withinType?: string;
};

const DEFAULT_WITHIN_DAYS = 20;

export = (RED: NodeAPI) => {
  function CreateInvoicesNode(this: Node, config: CreateInvoicesDef) {
    RED.nodes.createNode(this, config);
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
  RED.nodes.registerType("create invoices", CreateInvoicesNode);
};
