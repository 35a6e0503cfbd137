// The campaign jobs as plain data: roles, deterministic ids, and the lead times that let a job
// start before the moment it serves. Which queue and job name a role has is the plan's
// (runtime/compile/service-jobs.ts): CampaignQueue.place() says it.

/** The campaign jobs, by role (the shipped jobs.yaml names them so, in CampaignQueue). */
export type CampaignJobName = "ProcessCampaign" | "PrepareContact" | "DispatchCampaign";

/** A campaign job by its role, before the plan places it in its queue. */
export interface CampaignJob {
  readonly job: CampaignJobName;
  readonly data: Record<string, unknown>;
  readonly jobId: string;
  readonly delayMs: number;
}

/** A job to enqueue, as plain data (it travels in `msg.payload` to the `enqueue job` node). */
export interface JobToEnqueue {
  readonly queue: string;
  readonly job: string;
  readonly data: Record<string, unknown>;
  readonly jobId: string;
  readonly delayMs: number;
}

/** Where campaign jobs go: the queues the running plan has for their roles. */
export interface CampaignQueue {
  /** Adds the jobs (any that exists by id is left as it is), in one round trip per call. */
  addBulk(name: CampaignJobName, jobs: readonly CampaignJob[]): Promise<void>;
  /** The job as the `enqueue job` node takes it: the queue and name the plan has for its role. */
  place(job: CampaignJob): JobToEnqueue;
  /** Whether Bull still has a job with this id (waiting, delayed, active, completed or failed). */
  hasJob(jobId: string): Promise<boolean>;
  /** Removes the job if it completed (so its id can be added again); true when it did. */
  removeCompleted(jobId: string): Promise<boolean>;
  /**
   * Makes sure a DispatchCampaign job will still run if it can: `pending` when it is waiting,
   * delayed or active; `retried` when it had failed for good (its attempts ran out) and runs
   * once more now; `missing` when there is none — a completed one is removed, so that its id can
   * be added again (it did not settle the shipping that asks).
   */
  reviveDispatch(jobId: string): Promise<"pending" | "retried" | "missing">;
}

/**
 * A DispatchCampaign job starts this long before its shipping is due and its send waits for the
 * due time after the database work, so that the gaps WhatsApp sees are the pacing's.
 */
export const DISPATCH_LEAD_MS = 500;
/** A ProcessCampaign job starts this long before scheduledAt, so the first contacts are ready. */
export const PROCESS_LEAD_MS = 30_000;

export const processJobId = (campaignId: number) => `campaign-${campaignId}`;
export const dispatchJobId = (campaignId: number, itemId: number) =>
  `campaign-${campaignId}-dispatch-${itemId}`;

export function processJob(campaignId: number, delayMs: number): CampaignJob {
  return job("ProcessCampaign", { id: campaignId }, processJobId(campaignId), delayMs);
}

export function dispatchJob(
  campaignId: number,
  shippingId: number,
  itemId: number,
  delayMs: number,
): CampaignJob {
  const data = { campaignId, campaignShippingId: shippingId, contactListItemId: itemId };
  return job("DispatchCampaign", data, dispatchJobId(campaignId, itemId), delayMs);
}

/** One shipping of a DispatchCampaign batch. */
export interface BatchShipping {
  readonly campaignShippingId: number;
  readonly contactListItemId: number;
}

/**
 * A DispatchCampaign job for shippings of a batch (the form of earlier versions, still made when a
 * batch hands its rest on), in due order, named after its first item
 * (`campaign-<id>-dispatch-<item>`); one shipping travels in the single form.
 */
export function dispatchBatchJob(
  campaignId: number,
  leadItemId: number,
  shippings: readonly BatchShipping[],
  delayMs: number,
): CampaignJob {
  const [first] = shippings;
  if (first === undefined) throw new Error("a DispatchCampaign batch needs a shipping");
  const data =
    shippings.length === 1
      ? {
          campaignId,
          campaignShippingId: first.campaignShippingId,
          contactListItemId: first.contactListItemId,
        }
      : { campaignId, shippings };
  return job("DispatchCampaign", data, dispatchJobId(campaignId, leadItemId), delayMs);
}

/**
 * The DispatchCampaign job of a connection's campaign sender (campaign-sender.ts), due at `atMs`:
 * `campaign-sender-<whatsappId>-at-<atMs>`. Runs armed for the same instant are one job; the
 * manifest removes completed ones, so an instant can be armed again later.
 */
export function senderJob(
  whatsappId: number,
  companyId: number | undefined,
  atMs: number,
  nowMs: number,
): CampaignJob {
  const at = Math.max(0, Math.round(atMs));
  const data = companyId === undefined ? { whatsappId } : { whatsappId, companyId };
  return job("DispatchCampaign", data, `${senderJobPrefix(whatsappId)}-at-${at}`, at - nowMs);
}

/** Verify's reconcile job for a connection whose sender stopped: one id per connection. */
export function senderReconcileJob(whatsappId: number, companyId: number): CampaignJob {
  const data = { whatsappId, companyId };
  return job("DispatchCampaign", data, `${senderJobPrefix(whatsappId)}-reconcile`, 0);
}

export const senderJobPrefix = (whatsappId: number) => `campaign-sender-${whatsappId}`;

function job(
  name: CampaignJobName,
  data: Record<string, unknown>,
  jobId: string,
  delayMs: number,
): CampaignJob {
  return { job: name, data, jobId, delayMs: Math.max(0, delayMs) };
}
