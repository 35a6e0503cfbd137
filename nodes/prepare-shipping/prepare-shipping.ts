// `prepare shipping`: one contact of a campaign (a PrepareContact job) — picks its message,
// fills the variables, records the shipping once, and hands on the DispatchCampaign job to
// enqueue at its due time. Thin: CampaignService.prepare.
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import type { PrepareData } from "../../runtime/services/campaign.service";
import { campaignEvent } from "../shared/campaign-event";
import { chatiaContext } from "../shared/chatia-context";
import { failMessage } from "../shared/fail";

type PrepareShippingDef = NodeDef & {
  /** The msg property holding `{ campaignId, contactId, dueAt? }`. @defaultValue "payload" */
  property?: string;
};

export = (RED: NodeAPI) => {
  function PrepareShippingNode(this: Node, config: PrepareShippingDef) {
    RED.nodes.createNode(this, config);
    const { services } = chatiaContext(RED);
    const property = config.property || "payload";

    this.on("input", (msg: NodeMessage, send, done) => {
      Promise.resolve()
        .then(() =>
          services.campaigns.prepare(
            prepareData(RED.util.getMessageProperty(msg, property)),
            new Date(),
          ),
        )
        .then(async (result) => {
          const finished = "skipped" in result && result.finished === true;
          const record = finished
            ? await services.campaigns.campaignRecord(result.campaignId)
            : null;
          return { result, record };
        })
        .then(
          ({ result, record }) => {
            msg.payload = result;
            const event =
              record === null ? null : campaignEvent(record.companyId as number, record);
            if ("dispatch" in result) {
              this.status({ fill: "green", shape: "dot", text: `shipping ${result.shippingId}` });
              send([msg, null, event]);
            } else {
              this.status({ fill: "grey", shape: "ring", text: result.skipped });
              send([null, msg, event]);
            }
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  RED.nodes.registerType("prepare shipping", PrepareShippingNode);
};

function prepareData(value: unknown): PrepareData {
  const d = value as Partial<PrepareData> | null;
  if (Number.isSafeInteger(d?.campaignId) && Number.isSafeInteger(d?.contactId)) {
    return d as PrepareData;
  }
  throw new ChatiaError("CF_NODE_INPUT", "prepare shipping needs { campaignId, contactId }");
}
