// `prepare shipping`: one contact of a campaign, or a page of them (a PrepareContact job) — picks
// each message, fills the variables, records the shippings once (a page in one statement), and
// hands on the DispatchCampaign jobs to enqueue at their due times, as `payload.dispatches`.
// Thin: CampaignService.prepare / preparePage.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import type {
  JobToEnqueue,
  PrepareData,
  PreparePageData,
} from "../../runtime/services/campaign.service";
import { campaignEvent } from "../shared/campaign-event";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import { messageProperty } from "../shared/typed-input";
import { declaration } from "./prepare-shipping.settings";

type PrepareShippingDef = SettingsOf<typeof declaration>;

export = (RED: NodeAPI) => {
  function PrepareShippingNode(this: Node, config: PrepareShippingDef) {
    const { services } = chatiaContext(RED);
    const property = config.property || "payload";

    this.on("input", (msg: NodeMessage, send, done) => {
      Promise.resolve()
        .then(() => prepare(services, messageProperty(RED, msg, property)))
        .then(async (result) => {
          const finished = result.finished === true;
          const record = finished
            ? await services.campaigns.campaignRecord(result.campaignId)
            : null;
          return { result, record };
        })
        .then(
          ({ result: { text, ...result }, record }) => {
            msg.payload = result;
            const event =
              record === null ? null : campaignEvent(record.companyId as number, record);
            if (result.dispatches.length > 0) {
              this.status({ fill: "green", shape: "dot", text });
              send([msg, null, event]);
            } else {
              this.status({ fill: "grey", shape: "ring", text });
              send([null, msg, event]);
            }
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  registerNode(RED, declaration, PrepareShippingNode);

  /** Either form, as one result: the service's, plus `dispatches` and a status text. */
  async function prepare(
    services: ReturnType<typeof chatiaContext>["services"],
    value: unknown,
  ): Promise<
    Record<string, unknown> & {
      campaignId: number;
      dispatches: JobToEnqueue[];
      finished?: boolean;
      text: string;
    }
  > {
    const now = new Date();
    if (isPage(value)) {
      const r = await services.campaigns.preparePage(value, now);
      const text = r.reason ?? `${r.prepared} shippings, ${r.skipped} skipped`;
      return { ...r, text };
    }
    const r = await services.campaigns.prepare(prepareData(value), now);
    if ("dispatch" in r) {
      return { ...r, dispatches: [r.dispatch], text: `shipping ${r.shippingId}` };
    }
    return { ...r, dispatches: [], text: r.skipped };
  }
};

function isPage(value: unknown): value is PreparePageData {
  const d = value as Partial<PreparePageData> | null;
  if (!Number.isSafeInteger(d?.campaignId) || !Array.isArray(d?.contacts)) return false;
  if (d.contacts.every((c) => Number.isSafeInteger(c?.contactId) && typeof c?.dueAt === "string")) {
    return true;
  }
  throw new ChatiaError(
    "CF_NODE_INPUT",
    "prepare shipping needs contacts as [{ contactId, dueAt }]",
  );
}

function prepareData(value: unknown): PrepareData {
  const d = value as Partial<PrepareData> | null;
  if (Number.isSafeInteger(d?.campaignId) && Number.isSafeInteger(d?.contactId)) {
    return d as PrepareData;
  }
  throw new ChatiaError("CF_NODE_INPUT", "prepare shipping needs { campaignId, contactId }");
}
