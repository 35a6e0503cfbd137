// `expand campaign`: hands the contacts of a loaded campaign on as PrepareContact jobs of a page
// of contacts each, every contact due at its paced time; an empty list finishes the campaign.
// Thin: CampaignService.expand.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import type { LoadedCampaign } from "../../runtime/services/campaign.service";
import { campaignEvent } from "../shared/campaign-event";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import { messageProperty } from "../shared/typed-input";
import { declaration } from "./expand-campaign.settings";

type ExpandCampaignDef = SettingsOf<typeof declaration>;

export = (RED: NodeAPI) => {
  function ExpandCampaignNode(this: Node, config: ExpandCampaignDef) {
    const { services } = chatiaContext(RED);
    const property = config.property || "payload";

    this.on("input", (msg: NodeMessage, send, done) => {
      this.status({ fill: "blue", shape: "ring", text: "expanding…" });
      Promise.resolve()
        .then(() =>
          services.campaigns.expand(loaded(messageProperty(RED, msg, property)), new Date()),
        )
        .then(async (result) => {
          const record = result.finished
            ? await services.campaigns.campaignRecord(result.campaignId)
            : null;
          return { result, record };
        })
        .then(
          ({ result, record }) => {
            const text = result.finished ? "empty: FINALIZADA" : `${result.contacts} contacts`;
            this.status({ fill: "green", shape: "dot", text });
            msg.payload = result;
            send([msg, record === null ? null : campaignEvent(result.companyId, record)]);
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  registerNode(RED, declaration, ExpandCampaignNode);
};

function loaded(value: unknown): LoadedCampaign {
  const c = value as Partial<LoadedCampaign> | null;
  if (typeof c?.id === "number" && typeof c.pacedFrom === "string" && c.pacing) {
    return c as LoadedCampaign;
  }
  throw new ChatiaError("CF_NODE_INPUT", "expand campaign needs the output of load campaign");
}
