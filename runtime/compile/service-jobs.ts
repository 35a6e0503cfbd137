// The jobs the runtime's services add or look up themselves (not only the flows'), by role. Each
// role is the job handled by one flow (flows are unique per job), so its queue and job names are
// the manifest's: renaming a queue in jobs.yaml changes nothing here, and `validate` reports a
// role no job fills.

import { ChatiaError } from "../errors";
import type { ManifestCheck } from "../manifest";
import { toPointer } from "../manifest/problems";
import type { JobPlan, Plan } from "./plan";

/** Each role: the flow of its job, who needs it, and the job as the shipped jobs.yaml names it. */
export const SERVICE_JOBS = {
  ProcessCampaign: {
    shipped: "CampaignQueue/ProcessCampaign",
    flow: "process-campaign",
    neededBy: "CampaignService (a due campaign's expansion)",
  },
  PrepareContact: {
    shipped: "CampaignQueue/PrepareContact",
    flow: "prepare-contact",
    neededBy: "CampaignService (earlier versions' per-contact jobs)",
  },
  DispatchCampaign: {
    shipped: "CampaignQueue/DispatchCampaign",
    flow: "dispatch-campaign",
    neededBy: "CampaignService (each connection's campaign sender)",
  },
  SendScheduledMessage: {
    shipped: "SendSacheduledMessages/SendMessage",
    flow: "send-scheduled-message",
    neededBy: "ScheduleService (a scheduled message at its sendAt)",
  },
} as const;

export type ServiceJobRole = keyof typeof SERVICE_JOBS;

/** Where the job of a role is: its queue and job name in the plan. */
export interface ServiceJobRef {
  readonly queue: string;
  readonly name: string;
}

/** The plan's job of `role`; throws CF_JOB_UNKNOWN when no job of the plan is handled by its flow. */
export function serviceJob(plan: Plan, role: ServiceJobRole): ServiceJobRef {
  const { flow, neededBy } = SERVICE_JOBS[role];
  const job: JobPlan | undefined = plan.queues.flatMap((q) => q.jobs).find((j) => j.flow === flow);
  if (job) return { queue: job.queue, name: job.name };
  throw new ChatiaError(
    "CF_JOB_UNKNOWN",
    `no job of the manifest is handled by flow "${flow}": ${neededBy} adds ${role} jobs through it`,
  );
}

/** `validate`'s check: every role has its job in the manifest. */
export const serviceJobsCheck: ManifestCheck = (manifest, { report }) => {
  const flows = new Set(
    Object.values(manifest.queues ?? {}).flatMap((q) =>
      Object.values(q?.jobs ?? {}).map((j) => j?.flow),
    ),
  );
  for (const [role, { flow, neededBy, shipped }] of Object.entries(SERVICE_JOBS)) {
    if (flows.has(flow)) continue;
    report(
      toPointer(["queues"]),
      "CF_JOB_UNKNOWN",
      `no job is handled by flow "${flow}": ${neededBy} adds ${role} jobs, and the runtime finds their queue by that flow`,
      `declare its job (shipped as ${shipped}) with flow: ${flow}`,
      true,
    );
  }
};
