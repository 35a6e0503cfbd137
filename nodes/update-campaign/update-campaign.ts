// `update campaign`: moves campaigns to a status their current one allows (EM_ANDAMENTO from
// PROGRAMADA; CANCELADA from PROGRAMADA or EM_ANDAMENTO). Thin: CampaignService.updateStatus.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import { type CampaignTransition, TRANSITIONS } from "../../runtime/services/campaign.service";
import { campaignEvent } from "../shared/campaign-event";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import { messageProperty } from "../shared/typed-input";
import { declaration } from "./update-campaign.settings";

type UpdateCampaignDef = SettingsOf<typeof declaration>;

export = (RED: NodeAPI) => {
  function UpdateCampaignNode(this: Node, config: UpdateCampaignDef) {
    const { services } = chatiaContext(RED);
    const property = config.property || "campaigns";
    const status = (config.campaignStatus || "EM_ANDAMENTO") as CampaignTransition;

    this.on("input", (msg: NodeMessage, send, done) => {
      Promise.resolve()
        .then(() => {
          if (!Object.hasOwn(TRANSITIONS, status)) {
            throw new ChatiaError("CF_NODE_INPUT", `status ${status} cannot be set by a flow`);
          }
          const ids = campaignIds(messageProperty(RED, msg, property), property);
          return services.campaigns.updateStatus(ids, status, new Date());
        })
        .then(
          (changed) => {
            this.status({ fill: "green", shape: "dot", text: `${changed.length} → ${status}` });
            msg.payload = changed;
            const events = changed.map((r) => campaignEvent(r.companyId as number, r));
            send([msg, events]);
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  registerNode(RED, declaration, UpdateCampaignNode);
};

/** The campaign ids in `value`; anything else is CF_NODE_INPUT. */
function campaignIds(value: unknown, property: string): number[] {
  const list = Array.isArray(value) ? value : [value];
  const ids = list.map((v) =>
    typeof v === "object" && v !== null ? (v as { id?: unknown }).id : v,
  );
  if (ids.every((id): id is number => Number.isSafeInteger(id) && (id as number) > 0)) return ids;
  throw new ChatiaError(
    "CF_NODE_INPUT",
    `msg.${property} must be a campaign id, or an array of ids or of { id }`,
  );
}
