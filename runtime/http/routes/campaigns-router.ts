// Campaign progress and cancel. A campaign of another company answers 404, as one that does not
// exist; a super-admin sees every company's. Cancelling moves the campaign to CANCELADA (the
// dispatch side skips the shippings of a cancelled campaign) and removes its jobs still waiting
// in Bull (ids `campaign-<id>` and `campaign-<id>-…`); a repeat changes nothing and answers alike.
import { type Request, Router } from "express";
import type { Plan } from "../../compile";
import type { QueueRuntime } from "../../queues/queue-runtime";
import { progressOf } from "../../services/campaign-progress";
import {
  CANCELLABLE,
  type CampaignProgressStore,
} from "../../services/ports/campaign-progress-store";
import type { CompanyEvents } from "../../services/ports/events";
import type { AuthContext } from "../auth-context";
import { adminOf, callerOf, type ErrorLog, errorHandler } from "./guards";
import { HttpError } from "./inputs";

export interface CampaignsRouterDeps {
  /** Campaign counts and cancellation (SequelizeCampaignProgressStore in the runtime). */
  readonly store: CampaignProgressStore;
  readonly queues: QueueRuntime;
  /** The running plan: its queues are searched for the campaign's jobs. */
  readonly plan: () => Plan;
  /** Tells the company's frontend (`company-<id>-campaign`, action "update") of a cancel. */
  readonly events?: CompanyEvents;
  /** @defaultValue () => new Date() */
  readonly now?: () => Date;
  readonly log?: ErrorLog;
}

const MAX_ID = 2_147_483_647;

export function createCampaignsRouter(deps: CampaignsRouterDeps): Router {
  const router = Router();
  const { store } = deps;
  const now = deps.now ?? (() => new Date());

  router.get("/api/campaigns/:id/progress", async (req, res) => {
    const auth = callerOf(req);
    const id = campaignId(req);
    const counts = await store.counts(id);
    if (counts === null || !mayManage(auth, counts.companyId)) throw notFound(id);
    res.json(progressOf(counts, now()));
  });

  router.post("/api/campaigns/:id/cancel", async (req, res) => {
    const auth = adminOf(req);
    const id = campaignId(req);
    const owner = await store.owner(id);
    if (owner === null || !mayManage(auth, owner.companyId)) throw notFound(id);
    let record: Record<string, unknown> | null = null;
    if (owner.status !== "CANCELADA") {
      record = await store.cancel(id, now());
      const status = record === null ? (await store.owner(id))?.status : "CANCELADA";
      if (status !== "CANCELADA")
        throw new HttpError(
          409,
          "CF_API_CONFLICT",
          `campaign ${id} is ${status ?? "gone"}; only ${CANCELLABLE.join(" or ")} campaigns can be cancelled`,
        );
    }
    const removed = await removeCampaignJobs(deps, id);
    if (record !== null)
      deps.events?.emit(owner.companyId, "campaign", { action: "update", record });
    res.json({ id, status: "CANCELADA", cancelled: record !== null, removedJobs: removed });
  });

  router.use(errorHandler(deps.log));
  return router;
}

async function removeCampaignJobs(deps: CampaignsRouterDeps, id: number): Promise<number> {
  const own = `campaign-${id}`;
  const accepts = (jobId: string) => jobId === own || jobId.startsWith(`${own}-`);
  let removed = 0;
  for (const q of deps.plan().queues) {
    const ids = await deps.queues.queue(q.name).removeWaitingJobs({ pattern: `${own}*`, accepts });
    removed += ids.length;
  }
  return removed;
}

const mayManage = (auth: AuthContext, companyId: number) =>
  auth.super || auth.companyId === companyId;

const notFound = (id: number) => new HttpError(404, "CF_API_NOT_FOUND", `no campaign ${id}`);

function campaignId(req: Request): number {
  const raw = String(req.params.id);
  const id = /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(id <= MAX_ID))
    throw new HttpError(400, "CF_API_BAD_REQUEST", "the campaign id must be a positive integer", {
      id: raw.slice(0, 40),
    });
  return id;
}
