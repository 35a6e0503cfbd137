// Campaigns, their shippings and their progress, as CampaignService needs them
// (runtime/adapters/db/repositories/campaign-store.ts implements them in SQL).
import type { CampaignCounts } from "./campaign-progress-store";

/** A campaign as the verify step sees it. */
export interface CampaignRef {
  readonly id: number;
  readonly companyId: number;
  readonly status: string;
  readonly scheduledAt: Date | null;
}

/** A campaign whose contacts are being handed on: its snapshot of the list and its settings. */
export interface CampaignExpansion extends CampaignRef {
  readonly contactListId: number | null;
  /** The connection its messages go through (null: none). */
  readonly whatsappId: number | null;
  /** The list's items when the expansion started (0 once the campaign is FINALIZADA). */
  readonly shippingsLeft: number;
  readonly lastItemId: number;
  readonly pacedFrom: Date;
  readonly expandedAt: Date | null;
  /** The company's CampaignSettings, key → JSON text. */
  readonly settings: Record<string, string | null>;
  /** This call moved it from PROGRAMADA to EM_ANDAMENTO. */
  readonly started: boolean;
}

export interface ContactItem {
  readonly id: number;
  readonly name: string;
  readonly number: string;
  readonly email: string;
  readonly isGroup: boolean;
}

/** What PrepareContact needs: the campaign's texts, the contact, the custom variables. */
export interface CampaignForPrepare {
  readonly id: number;
  readonly companyId: number;
  readonly status: string;
  readonly confirmation: boolean;
  /** The connection its messages go through (null: none). */
  readonly whatsappId: number | null;
  /** The snapshot's highest item id (null before ProcessCampaign took it). */
  readonly lastItemId: number | null;
  readonly messages: readonly (string | null)[];
  readonly confirmationMessages: readonly (string | null)[];
  /** Null when the item is gone (or not in the campaign's list). */
  readonly item: ContactItem | null;
  /** CampaignSettings `variables` (JSON text), or null. */
  readonly variables: string | null;
}

export interface NewShipping {
  readonly campaignId: number;
  readonly contactId: number;
  readonly number: string;
  readonly message: string;
  readonly confirmationMessage: string | null;
  readonly dueAt: Date;
  /** The job that sends it: its connection's sender (`campaign-sender-<id>`), or its own. */
  readonly jobId: string | null;
}

/** A piece of a compiled campaign message (message-template.ts compileCampaignMessage). */
export type CampaignMessagePart = string | { readonly variable: "nome" | "email" | "numero" };
/** The pacing settings, seconds (campaign-pacing.ts). */
export interface Pacing {
  readonly messageInterval: number;
  readonly longerIntervalAfter: number;
  readonly greaterInterval: number;
}

/** One page of a campaign's expansion, as CampaignService.expand() writes it (expandPage). */
export interface ExpansionPage {
  readonly campaignId: number;
  readonly listId: number;
  /** The page starts after this item id, and ends at `lastItemId` (the snapshot) at most. */
  readonly after: number;
  readonly lastItemId: number;
  readonly limit: number;
  /** The campaign position (from 0) of the page's first item, for its due time. */
  readonly position: number;
  /** When the contact at position 0 is due. */
  readonly start: Date;
  readonly pacing: Pacing;
  /** The sender job named on the rows, or null. */
  readonly jobId: string | null;
  /** The candidate messages, each compiled (mark included); none: every message is "". */
  readonly messages: readonly (readonly CampaignMessagePart[])[];
  /** The candidate confirmation requests; null outside confirmation mode. */
  readonly confirmations: readonly (readonly CampaignMessagePart[])[] | null;
  /** Per page row, in item order: the index of its message and confirmation among the candidates. */
  readonly picks: { readonly message: readonly number[]; readonly confirmation: readonly number[] };
}

/** A shipping row's state after PrepareContact's upsert. */
export interface ShippingState {
  readonly id: number;
  readonly created: boolean;
  readonly dueAt: Date | null;
  readonly deliveredAt: Date | null;
  readonly failedAt: Date | null;
  readonly confirmationRequestedAt: Date | null;
}

/** What DispatchCampaign needs: the shipping, its contact and its campaign. */
export interface ShippingForDispatch extends ShippingState {
  readonly campaignId: number;
  readonly contactId: number;
  readonly number: string;
  readonly message: string;
  readonly confirmationMessage: string | null;
  readonly confirmation: boolean | null;
  readonly isGroup: boolean;
  readonly companyId: number;
  readonly campaignStatus: string;
  readonly campaignConfirmation: boolean;
  readonly whatsappId: number | null;
  readonly mediaPath: string | null;
  readonly openTicket: string;
  readonly queueId: number | null;
  readonly userId: number | null;
  readonly statusTicket: string;
  /** The campaign's connection (null: none, or deleted). */
  readonly connection: { readonly companyId: number; readonly status: string } | null;
}

export type Settlement =
  | { readonly kind: "delivered"; readonly at: Date }
  | { readonly kind: "failed"; readonly at: Date; readonly reason: string };

/** What settling a shipping did to its campaign. */
export interface CampaignProgress {
  readonly campaignId: number;
  /** This settlement finished the campaign (EM_ANDAMENTO → FINALIZADA). */
  readonly finished: boolean;
}

/** A shipping WhatsApp accepted: its ledger key and WhatsApp's id, for settleSentMany. */
export interface SentShipping {
  readonly shippingId: number;
  readonly campaignId: number;
  readonly key: string;
  readonly wid: string;
  readonly sentAt: Date;
}

export interface CampaignStore {
  /** PROGRAMADA campaigns with `scheduledAt` up to `until` (overdue ones too), earliest first. */
  findDue(until: Date, limit: number): Promise<CampaignRef[]>;
  /** Sets `to` when the status is one of `from`; false otherwise. */
  setStatus(id: number, to: string, from: readonly string[], now: Date): Promise<boolean>;
  /** EM_ANDAMENTO campaigns whose contacts were not all handed on yet. */
  findUnexpanded(limit: number): Promise<CampaignRef[]>;
  /**
   * Takes the list's snapshot (item count → shippingsLeft, highest id, pacing start) unless an
   * earlier run took it, then returns the campaign with its company's settings; null if missing.
   * A PROGRAMADA campaign becomes EM_ANDAMENTO here too (`started`): its ProcessCampaign job may
   * start before the Verify run that enqueued it has marked it.
   */
  startExpansion(id: number, now: Date): Promise<CampaignExpansion | null>;
  /**
   * Running, fully expanded campaigns with nothing left that no settlement finished (their last
   * shippings left with their list items): FINALIZADA now. Their ids.
   */
  finishDrained(now: Date, limit: number): Promise<number[]>;
  /** EM_ANDAMENTO with nothing left → FINALIZADA; true when this call finished it. */
  finishIfDone(id: number, now: Date): Promise<boolean>;
  /**
   * A contact that left the list before its shipping was prepared no longer counts: once (a page
   * prepared again, or a trigger that forgot it with its shipping, changes nothing), and only
   * while the campaign runs and has no shipping for it (that one settles on its own).
   */
  forgetContact(campaignId: number, itemId: number, now: Date): Promise<CampaignProgress | null>;
  loadForPrepare(campaignId: number, itemId: number): Promise<CampaignForPrepare | null>;
  /**
   * Creates the shipping (one per campaign and contact, by constraint); an existing one keeps its
   * message and state (a re-run must not change what may already be sent) and is returned as is.
   */
  upsertShipping(s: NewShipping): Promise<ShippingState>;
  /**
   * PrepareContact for a page: the campaign as loadForPrepare reads it (without `item`), and the
   * page's items still in the campaign's list, in id order; null when the campaign is missing.
   */
  loadPageForPrepare(
    campaignId: number,
    itemIds: readonly number[],
  ): Promise<
    | (Omit<CampaignForPrepare, "item"> & {
        items: ContactItem[];
      })
    | null
  >;
  /**
   * upsertShipping for many contacts in one statement: each row is created once per campaign and
   * contact; existing rows keep their message and state. Returns every row's state by contact.
   */
  upsertShippings(rows: readonly NewShipping[]): Promise<
    (ShippingState & {
      contactId: number;
    })[]
  >;
  loadForDispatch(shippingId: number): Promise<ShippingForDispatch | null>;
  /** loadForDispatch for a DispatchCampaign batch, in one statement; the rows found, by id. */
  loadManyForDispatch(shippingIds: readonly number[]): Promise<ShippingForDispatch[]>;
  /**
   * The connection's schedule: up to `limit` pending shippings of its running campaigns, the
   * earliest due first (ties in shipping order), in one statement. Each campaign contributes its
   * own first `limit` from the pending index, so the cost depends on the number of running
   * campaigns on the connection, not on their sizes; a campaign that is not EM_ANDAMENTO (e.g.
   * CANCELADA) contributes nothing from the moment its status changes. `after` (the last one a
   * run has handled) continues past it: the index keeps the entries of settled shippings until
   * VACUUM, and a run that started from the head each time would step over all of them.
   */
  dueOnConnection(
    whatsappId: number,
    limit: number,
    after?: {
      readonly dueAt: Date;
      readonly id: number;
    },
  ): Promise<ShippingForDispatch[]>;
  /**
   * Connections of running campaigns with a pending shipping due before `before` (the reconcile:
   * their sender should have sent it by now), with the company of one such campaign.
   */
  connectionsOverdue(
    before: Date,
    limit: number,
  ): Promise<
    {
      whatsappId: number;
      companyId: number;
    }[]
  >;
  /**
   * Writes the shippings of the next page of the list, up to `limit` items in (after, lastItemId]
   * in id order, in one statement that reads the items and fills their messages in Postgres: no
   * item or message passes through the worker (whose heap a million of them inflated). The item
   * at page row k (from 1) is at `position + k − 1` of the campaign, is due at its paced time, and
   * gets `messages[pick.message[k − 1]]` (the first one past the picks; the confirmation likewise). Existing shippings are
   * kept (one per campaign and contact). How many items the page had, and its last item id.
   */
  expandPage(page: ExpansionPage): Promise<{
    items: number;
    through: number | null;
  }>;
  /**
   * Where an interrupted expansion resumes: after the last item whose page was written, at its
   * position (for the pacing); from the start when none was.
   */
  expansionResume(campaignId: number): Promise<{
    after: number;
    position: number;
  }>;
  /** Notes that the expansion wrote every item up to `through`, `count` items in all. */
  expansionProgress(campaignId: number, through: number, count: number): Promise<void>;
  /**
   * Writes shippings that do not exist yet (one per campaign and contact: an existing one keeps
   * its message and state), in one statement; how many were created.
   */
  insertShippings(rows: readonly NewShipping[]): Promise<number>;
  /**
   * Marks the campaign fully expanded (once) and, in the same statement, counts off each shard's
   * contacts that left the list before their shipping was written: the snapshot's total, less
   * the shard's shippings, less those forgotten already (removed with their shipping, or by a
   * PrepareContact). False when an earlier call had marked it.
   */
  markExpandedCounting(id: number, now: Date): Promise<boolean>;
  /** Names the DispatchCampaign job that now holds these shippings. */
  setJobId(shippingIds: readonly number[], jobId: string, now: Date): Promise<void>;
  /** Settles the shipping once; null when it was settled before (nothing changes then). */
  settle(shippingId: number, how: Settlement, now: Date): Promise<CampaignProgress | null>;
  /**
   * The ledger key `sent` and the shipping delivered, in one statement (SENT_SQL). Throws when
   * the key was not `sending` (nothing changes then); null when the shipping was settled before.
   */
  settleSent(
    shippingId: number,
    ledger: {
      key: string;
      wid: string;
      sentAt: Date;
    },
    at: Date,
    now: Date,
  ): Promise<CampaignProgress | null>;
  /**
   * settleSent for a batch (one statement): the keys marked `sent` (their shippings delivered,
   * once) and the campaigns this finished. Callers on one connection run it one at a time: two
   * batches of a campaign would lock its shards in no set order.
   */
  settleSentMany(
    sent: readonly SentShipping[],
    at: Date,
  ): Promise<{ sent: Set<string>; finished: Set<number> }>;
  /** After a shard went down: when it reached 0, the campaign finishes if every shard did. */
  markConfirmationRequested(shippingId: number, now: Date): Promise<boolean>;
  /** The campaign's delivery counts (as the progress endpoint reads them), or null when gone. */
  progressCounts(id: number): Promise<CampaignCounts | null>;
  /** The campaign row as the frontend knows it (for `company-<id>-campaign` events). */
  campaignRecord(id: number): Promise<Record<string, unknown> | null>;
}
