// The message a campaign node sends to `emit event` when the frontend should hear of a campaign:
// `company-<companyId>-campaign` with `{ action: "update", record }`, as the original emitted.
import type { NodeMessage } from "node-red";

export interface CampaignEventMessage extends NodeMessage {
  companyId: number;
  topic: "campaign";
  payload: { action: "update"; record: Record<string, unknown> };
}

export function campaignEvent(
  companyId: number,
  record: Record<string, unknown>,
): CampaignEventMessage {
  return { companyId, topic: "campaign", payload: { action: "update", record } };
}
