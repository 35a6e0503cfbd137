// `validate` requires the jobs the runtime's services add themselves (runtime/compile/service-jobs.ts):
// the shipped jobs.yaml without one of them is refused, naming the flow and who needs it.
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { runCli } from "../helpers/cli";
import { repoFixture } from "../helpers/repo-fixture";

let fixture: string | undefined;
afterEach(async () => {
  if (fixture) await rm(fixture, { recursive: true, force: true });
  fixture = undefined;
});

/**
 * The repository's jobs.yaml, flows and schemas, without the job `queue`/`job` and its flow (and
 * without the queue, when that was its only job).
 */
async function withoutJob(queue: string, job: string, flow: string): Promise<string> {
  const dir = await repoFixture();
  fixture = dir;
  const file = path.join(dir, "jobs.yaml");
  const doc = parseDocument(await readFile(file, "utf8"));
  expect(doc.deleteIn(["queues", queue, "jobs", job])).toBe(true);
  const left = doc.getIn(["queues", queue, "jobs"]) as { items: unknown[] };
  if (left.items.length === 0) doc.deleteIn(["queues", queue]);
  await writeFile(file, doc.toString());
  await rm(path.join(dir, "flows", `${flow}.json`));
  return file;
}

describe("chatia-flow validate: the jobs the services need", () => {
  it("refuses the shipped manifest without DispatchCampaign, naming its flow and CampaignService", async () => {
    const file = await withoutJob("CampaignQueue", "DispatchCampaign", "dispatch-campaign");
    const result = runCli(["validate", file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /jobs\.yaml:\d+:\d+: no job is handled by flow "dispatch-campaign": CampaignService \(each connection's campaign sender\) adds DispatchCampaign jobs, .*; declare its job \(shipped as CampaignQueue\/DispatchCampaign\) with flow: dispatch-campaign \(at \/queues\)$/m,
    );
    expect(result.stderr).toContain("1 problem");
  });

  it("refuses it without the scheduled sends, with the code in --format json", async () => {
    const file = await withoutJob(
      "SendSacheduledMessages",
      "SendMessage",
      "send-scheduled-message",
    );
    const result = runCli(["validate", "--format", "json", file]);
    expect(result.code).toBe(1);
    const { valid, problems } = JSON.parse(result.stdout) as {
      valid: boolean;
      problems: { code: string; message: string; pointer: string }[];
    };
    expect(valid).toBe(false);
    expect(problems).toEqual([
      expect.objectContaining({
        code: "CF_JOB_UNKNOWN",
        pointer: "/queues",
        message: expect.stringContaining('flow "send-scheduled-message": ScheduleService'),
      }),
    ]);
  });
});
