// `find campaigns`: what CampaignQueue/VerifyCampaignsDaatabase has to enqueue now — the
// PROGRAMADA campaigns due within the look-ahead, and (reconciling) running campaigns and
// shippings whose job was lost. A thin adapter over CampaignService.findCampaigns.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { campaignEvent } from "../shared/campaign-event";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import { readNumber, typedInput } from "../shared/typed-input";
import { declaration } from "./find-campaigns.settings";

type FindCampaignsDef = SettingsOf<typeof declaration>;

export = (RED: NodeAPI) => {
  function FindCampaignsNode(this: Node, config: FindCampaignsDef) {
    const { services } = chatiaContext(RED);
    const lookAhead = { ...typedInput(config, "lookAhead"), fallback: 180 };
    const strandedAfter = { ...typedInput(config, "strandedAfter"), fallback: 10 };

    this.on("input", (msg: NodeMessage & Record<string, unknown>, send, done) => {
      this.status({ fill: "blue", shape: "ring", text: "finding…" });
      Promise.all([
        readNumber(RED, this, msg, lookAhead),
        readNumber(RED, this, msg, strandedAfter),
      ])
        .then(([ahead, stranded]) =>
          services.campaigns.findCampaigns(new Date(), {
            lookAheadMs: ahead * 60_000,
            strandedAfterMs: stranded * 60_000,
          }),
        )
        .then(async (found) => {
          const records = await Promise.all(
            found.finished.map((id) => services.campaigns.campaignRecord(id)),
          );
          return { found, records };
        })
        .then(
          ({ found, records }) => {
            const { campaigns, shippings, retried } = found.stranded;
            const lost = campaigns + shippings + retried;
            this.status({
              fill: "green",
              shape: "dot",
              text: `${found.due.length} due, ${lost} stranded`,
            });
            msg.payload = found.jobs;
            msg.campaigns = found.due;
            msg.stranded = found.stranded;
            const events = records
              .filter((r): r is Record<string, unknown> => r !== null)
              .map((record) => campaignEvent(record.companyId as number, record));
            send([msg, events]);
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  registerNode(RED, declaration, FindCampaignsNode);
};
