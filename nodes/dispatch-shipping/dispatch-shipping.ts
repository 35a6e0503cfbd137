// `dispatch shipping`: a DispatchCampaign job — a connection's campaign sender (what is due on it,
// then re-armed), or one shipping, or a batch of them due together — sends each at most once (its
// confirmation request, or its message, media or audio) and settles it.
// Thin: CampaignService.dispatchSender / dispatch / dispatchBatch.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import type {
  DispatchBatchData,
  DispatchBatchResult,
  DispatchData,
  DispatchResult,
  SenderResult,
} from "../../runtime/services/campaign.service";
import { campaignEvent } from "../shared/campaign-event";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import { messageProperty } from "../shared/typed-input";
import { declaration } from "./dispatch-shipping.settings";

type DispatchShippingDef = SettingsOf<typeof declaration>;

export = (RED: NodeAPI) => {
  function DispatchShippingNode(this: Node, config: DispatchShippingDef) {
    const { services } = chatiaContext(RED);
    const property = config.property || "payload";

    this.on("input", (msg: NodeMessage, send, done) => {
      Promise.resolve()
        .then(() => dispatch(services, messageProperty(RED, msg, property)))
        .then(async ({ result, fill, text, emitFor }) => {
          const records = await Promise.all(
            emitFor.map((id) => services.campaigns.campaignRecord(id)),
          );
          return { result, records, fill, text };
        })
        .then(
          ({ result, records, fill, text }) => {
            this.status({ fill, shape: "dot", text });
            msg.payload = result;
            const events = records
              .filter((r): r is Record<string, unknown> => r !== null)
              .map((record) => campaignEvent(record.companyId as number, record));
            send([msg, events.length === 0 ? null : events]);
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  registerNode(RED, declaration, DispatchShippingNode);
};

type Services = ReturnType<typeof chatiaContext>["services"];

interface Dispatched {
  result: DispatchResult | DispatchBatchResult | SenderResult;
  fill: "red" | "grey" | "green";
  text: string;
  /** The campaigns whose progress goes to the frontend now. */
  emitFor: number[];
}

/** Any form of DispatchCampaign, with the node's status and the campaigns to emit. */
async function dispatch(services: Services, value: unknown): Promise<Dispatched> {
  const w = value as { whatsappId?: unknown; companyId?: unknown } | null;
  if (Number.isSafeInteger(w?.whatsappId)) {
    const result = await services.campaigns.dispatchSender(value as { whatsappId: number });
    const { delivered, failed } = result.outcomes;
    const text = result.busy ? "busy: again in 1 s" : `${delivered} delivered, ${failed} failed`;
    const fill = failed > 0 ? "red" : delivered > 0 ? "green" : "grey";
    return { result, fill, text, emitFor: result.campaigns.map((c) => c.campaignId) };
  }
  const { result, fill, text } = await dispatchShippings(services, value);
  return { result, fill, text, emitFor: result.emit ? [result.campaignId] : [] };
}

/** The per-shipping forms (one, or a batch), as earlier versions and other producers add them. */
async function dispatchShippings(
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
    "dispatch shipping needs { whatsappId }, { campaignId, campaignShippingId } or { campaignId, shippings: [{ campaignShippingId }, …] }",
  );
}
