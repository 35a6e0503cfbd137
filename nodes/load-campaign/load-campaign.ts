// `load campaign`: the campaign a ProcessCampaign job names, with its company's pacing, its
// list's snapshot taken on the first run. Thin: CampaignService.loadCampaign.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { campaignEvent } from "../shared/campaign-event";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import { readNumber, typedInput } from "../shared/typed-input";
import { declaration } from "./load-campaign.settings";

type LoadCampaignDef = SettingsOf<typeof declaration>;

export = (RED: NodeAPI) => {
  function LoadCampaignNode(this: Node, config: LoadCampaignDef) {
    const { services } = chatiaContext(RED);
    // Left empty, the setting reads its default, msg.payload.id.
    const set = typedInput(config, "campaign");
    const campaign = {
      ...(set.value ? set : { ...set, value: "payload.id", type: "msg" }),
      fallback: 0,
      whole: true,
    };

    this.on("input", (msg: NodeMessage, send, done) => {
      readNumber(RED, this, msg, campaign)
        .then(async (id) => {
          const loaded = await services.campaigns.loadCampaign(id, new Date());
          const record = loaded?.started ? await services.campaigns.campaignRecord(id) : null;
          return { id, loaded, record };
        })
        .then(
          ({ id, loaded, record }) => {
            if (loaded === null) {
              this.status({ fill: "yellow", shape: "ring", text: `campaign ${id} not found` });
              msg.payload = { id, status: "missing" };
              send([null, msg, null]);
            } else {
              const running = loaded.status === "EM_ANDAMENTO";
              this.status({
                fill: running ? "green" : "yellow",
                shape: "dot",
                text: loaded.status,
              });
              msg.payload = loaded;
              const event = record === null ? null : campaignEvent(loaded.companyId, record);
              send(running ? [msg, null, event] : [null, msg, event]);
            }
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  registerNode(RED, declaration, LoadCampaignNode);
};
