// The services find their jobs in the plan by role (the flow that handles each), so a queue
// renamed in jobs.yaml moves them with it; a plan without the role's job is a clear error.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compile, SERVICE_JOBS, serviceJob } from "../../../runtime/compile";
import { ChatiaError } from "../../../runtime/errors";
import { parseManifest } from "../../../runtime/manifest";
import { REPO_ROOT } from "../../helpers/repo-fixture";

const MANIFEST = path.join(REPO_ROOT, "jobs.yaml");

async function shippedPlan(edit: (text: string) => string = (t) => t) {
  const text = edit(await readFile(MANIFEST, "utf8"));
  return compile(await parseManifest(text, MANIFEST, { env: {} }));
}

describe("serviceJob", () => {
  it("finds every role's job in the shipped plan where jobs.yaml declares it", async () => {
    const plan = await shippedPlan();
    expect(serviceJob(plan, "ProcessCampaign")).toEqual({
      queue: "CampaignQueue",
      name: "ProcessCampaign",
    });
    expect(serviceJob(plan, "DispatchCampaign")).toEqual({
      queue: "CampaignQueue",
      name: "DispatchCampaign",
    });
    expect(serviceJob(plan, "SendScheduledMessage")).toEqual({
      queue: "SendSacheduledMessages",
      name: "SendMessage",
    });
    for (const [role, { shipped }] of Object.entries(SERVICE_JOBS)) {
      const { queue, name } = serviceJob(plan, role as keyof typeof SERVICE_JOBS);
      expect(`${queue}/${name}`).toBe(shipped);
    }
  });

  it("follows a queue renamed in jobs.yaml", async () => {
    const plan = await shippedPlan((t) => t.replace(/^ {2}CampaignQueue:$/m, "  Campaigns:"));
    expect(plan.queues.some((q) => q.name === "CampaignQueue")).toBe(false);
    expect(serviceJob(plan, "DispatchCampaign")).toEqual({
      queue: "Campaigns",
      name: "DispatchCampaign",
    });
  });

  it("throws CF_JOB_UNKNOWN naming the flow and who needs it when no job has the role", async () => {
    const plan = await shippedPlan((t) => t.replace("flow: process-campaign", "flow: other-flow"));
    expect(() => serviceJob(plan, "ProcessCampaign")).toThrow(ChatiaError);
    expect(() => serviceJob(plan, "ProcessCampaign")).toThrow(
      /no job of the manifest is handled by flow "process-campaign": CampaignService/,
    );
  });
});
