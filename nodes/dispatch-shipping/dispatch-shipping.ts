// `dispatch shipping`: sends one campaign shipping (a DispatchCampaign job) at most once — its
// confirmation request, or its message, media or audio — and settles it. Thin:
// CampaignService.dispatch.
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import type { DispatchData } from "../../runtime/services/campaign.service";
import { campaignEvent } from "../shared/campaign-event";
import { chatiaContext } from "../shared/chatia-context";
import { failMessage } from "../shared/fail";

type DispatchShippingDef = NodeDef & {
  /** The msg property holding `{ campaignId, campaignShippingId }`. @defaultValue "payload" */
  property?: string;
};

export = (RED: NodeAPI) => {
  function DispatchShippingNode(this: Node, config: DispatchShippingDef) {
    RED.nodes.createNode(this, config);
    const { services } = chatiaContext(RED);
    const property = config.property || "payload";

    this.on("input", (msg: NodeMessage, send, done) => {
      Promise.resolve()
        .then(() =>
          services.campaigns.dispatch(dispatchData(RED.util.getMessageProperty(msg, property))),
        )
        .then(async (result) => {
          const record = result.emit
            ? await services.campaigns.campaignRecord(result.campaignId)
            : null;
          return { result, record };
        })
        .then(
          ({ result, record }) => {
            const fill =
              result.outcome === "failed" ? "red" : result.outcome === "skipped" ? "grey" : "green";
            this.status({ fill, shape: "dot", text: result.outcome });
            msg.payload = result;
            const event =
              record === null ? null : campaignEvent(record.companyId as number, record);
            send([msg, event]);
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  RED.nodes.registerType("dispatch shipping", DispatchShippingNode);
};

function dispatchData(value: unknown): DispatchData {
  const d = value as Partial<DispatchData> | null;
  if (Number.isSafeInteger(d?.campaignId) && Number.isSafeInteger(d?.campaignShippingId)) {
    return d as DispatchData;
  }
  throw new ChatiaError(
    "CF_NODE_INPUT",
    "dispatch shipping needs { campaignId, campaignShippingId }",
  );
}
