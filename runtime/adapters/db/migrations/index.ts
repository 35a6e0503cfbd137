// The migrations, in order. Listed by hand (no glob) so the same list works from the TypeScript
// sources under test and from the compiled JavaScript. Names are stored in "SequelizeMeta":
// never rename or reorder an entry that has shipped; append new ones.
import * as core from "./001-core";
import * as ticketsMessages from "./002-tickets-messages";
import * as schedulesCampaigns from "./003-schedules-campaigns";
import * as billingSettings from "./004-billing-settings";
import * as cronIndexes from "./005-cron-indexes";
import * as sendLedger from "./006-send-ledger";
import * as authTokens from "./007-auth-tokens";
import * as whatsappSessions from "./008-whatsapp-sessions";
import * as campaignProgress from "./009-campaign-progress";
import * as scheduleErrorReason from "./010-schedule-error-reason";
import * as campaignProgressShards from "./011-campaign-progress-shards";
import * as dropUndeliveredIndex from "./012-drop-undelivered-index";
import * as campaignForgottenContacts from "./013-campaign-forgotten-contacts";
import * as campaignSchedule from "./014-campaign-schedule";
import * as sendClaimOwner from "./015-send-claim-owner";
import * as flowPublications from "./016-flow-publications";
import type { MigrationContext } from "./schema-helpers";

export interface Migration {
  readonly name: string;
  up(ctx: MigrationContext): Promise<void>;
  down(ctx: MigrationContext): Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [
  { name: "001-core", up: core.up, down: core.down },
  { name: "002-tickets-messages", up: ticketsMessages.up, down: ticketsMessages.down },
  { name: "003-schedules-campaigns", up: schedulesCampaigns.up, down: schedulesCampaigns.down },
  { name: "004-billing-settings", up: billingSettings.up, down: billingSettings.down },
  { name: "005-cron-indexes", up: cronIndexes.up, down: cronIndexes.down },
  { name: "006-send-ledger", up: sendLedger.up, down: sendLedger.down },
  { name: "007-auth-tokens", up: authTokens.up, down: authTokens.down },
  { name: "008-whatsapp-sessions", up: whatsappSessions.up, down: whatsappSessions.down },
  { name: "009-campaign-progress", up: campaignProgress.up, down: campaignProgress.down },
  {
    name: "010-schedule-error-reason",
    up: scheduleErrorReason.up,
    down: scheduleErrorReason.down,
  },
  {
    name: "011-campaign-progress-shards",
    up: campaignProgressShards.up,
    down: campaignProgressShards.down,
  },
  {
    name: "012-drop-undelivered-index",
    up: dropUndeliveredIndex.up,
    down: dropUndeliveredIndex.down,
  },
  {
    name: "013-campaign-forgotten-contacts",
    up: campaignForgottenContacts.up,
    down: campaignForgottenContacts.down,
  },
  { name: "014-campaign-schedule", up: campaignSchedule.up, down: campaignSchedule.down },
  { name: "015-send-claim-owner", up: sendClaimOwner.up, down: sendClaimOwner.down },
  { name: "016-flow-publications", up: flowPublications.up, down: flowPublications.down },
];

/** The indexes of the campaign schedule (014). */
export const SCHEDULE_INDEX_NAMES: readonly string[] = campaignSchedule.SCHEDULE_INDEXES;

/** The indexes for the crons' queries that a migrated database has. */
export const CRON_INDEX_NAMES: readonly string[] = cronIndexes.CRON_INDEX_NAMES.filter(
  (name) => !dropUndeliveredIndex.DROPPED_INDEXES.includes(name),
);
export type { MigrationContext } from "./schema-helpers";
