// `dispatch shipping`: sends one campaign shipping (a DispatchCampaign job), or a batch of them
// due together, at most once each — its confirmation request, or its message, media or audio —
// and settles it. Thin: CampaignService.dispatch / dispatchBatch.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import type {
  DispatchBatchData,
  DispatchBatchResult,
  DispatchData,
  DispatchResult,
} from "../../runtime/services/campaign.service";
import { campaignEvent } from "../shared/campaign-event";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import { declaration } from "./dispatch-shipping.settings";

type DispatchShippingDef = SettingsOf<typeof declaration>;

export = (RED: NodeAPI) => {
  function DispatchShippingNode(this: Node, config: DispatchShippingDef) {
    const { services } = chatiaContext(RED);
    const property = config.property || "payload";

    this.on("input", (msg: NodeMessage, send, done) => {
      Promise.resolve()
        .then(() => dispatch(services, RED.util.getMessageProperty(msg, property)))
        .then(async ({ result, fill, text }) => {
          const record = result.emit
            ? await services.campaigns.campaignRecord(result.campaignId)
            : null;
          return { result, record, fill, text };
        })
        .then(
          ({ result, record, fill, text }) => {
            this.status({ fill, shape: "dot", text });
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
  registerNode(RED, declaration, DispatchShippingNode);
};

type Services = ReturnType<typeof chatiaContext>["services"];

/** Either form of DispatchCampaign, with the node's status. */
async function dispatch(
  services: Services,
  value: unknown,
): Promise<{
  result: DispatchResult | DispatchBatchResult;
  fill: "red" | "grey" | "green";
  text: string;
}> {
  const d = value as Partial<DispatchData & DispatchBatchData> | null;
  if (Number.isSafeInteger(d?.campaignId) && Array.isArray(d?.shippings)) {
    const shippings = d.shippings.filter((s) => Number.isSafeInteger(s?.campaignShippingId));
    if (shippings.length === d.shippings.length && shippings.length > 0) {
      const result = await services.campaigns.dispatchBatch(d as DispatchBatchData);
      const { delivered, failed, skipped } = result.outcomes;
      const asked = result.outcomes["confirmation-requested"];
      const text = `${delivered} delivered, ${failed} failed, ${skipped + asked} other`;
      return { result, fill: failed > 0 ? "red" : delivered > 0 ? "green" : "grey", text };
    }
  } else if (Number.isSafeInteger(d?.campaignId) && Number.isSafeInteger(d?.campaignShippingId)) {
    const result = await services.campaigns.dispatch(d as DispatchData);
    const fill =
      result.outcome === "failed" ? "red" : result.outcome === "skipped" ? "grey" : "green";
    return { result, fill, text: result.outcome };
  }
  throw new ChatiaError(
    "CF_NODE_INPUT",
    "dispatch shipping needs { campaignId, campaignShippingId } or { campaignId, shippings: [{ campaignShippingId }, …] }",
  );
}
