// Waiting for a job's outcome (`enqueue --wait`, the API's finished()) on real Bull queues of the
// shipped jobs.yaml: a job removed on completion (SessionMonitor/PurgeWhatsappSessions keeps none)
// that completed before anyone waited is in no set any more; the wait still ends, as completed.
// (Bull's own finished() would wait for ever there.)
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../../runtime/compile";
import { parseManifest } from "../../../runtime/manifest";
import { QueueRuntime } from "../../../runtime/queues/queue-runtime";
import { until } from "../../helpers/campaigns";
import { createTestRedis, type TestRedis } from "../../helpers/redis";
import { REPO_ROOT } from "../../helpers/repo-fixture";

let redis: TestRedis;
let queues: QueueRuntime;

beforeAll(async () => {
  redis = createTestRedis();
  const manifest = path.join(REPO_ROOT, "jobs.yaml");
  const plan = compile(
    await parseManifest(await readFile(manifest, "utf8"), manifest, { env: {} }),
  );
  queues = await QueueRuntime.open(plan, { url: redis.url, prefix: redis.prefix.slice(0, -1) });
  queues.startProcessing(async () => ({ done: true }), ["SessionMonitor", "CampaignQueue"]);
});

afterAll(async () => {
  await queues?.close({ waitForJobs: false });
  await redis?.cleanup();
});

describe("a job's finished()", () => {
  it("ends for a job removed on completion before the wait began", async () => {
    const job = await queues.enqueue("SessionMonitor", "PurgeWhatsappSessions", {});
    expect(job.opts).toMatchObject({ removeOnComplete: true });
    // Completed and removed: no set holds it, and its completion event is past.
    await until(
      async () =>
        (await queues.queue("SessionMonitor").findJob(String(job.id))) === undefined
          ? true
          : undefined,
      30_000,
    );
    await expect(job.finished()).resolves.toBeUndefined();
  }, 60_000);

  it("gives a kept job its result (CampaignQueue/ProcessCampaign keeps its last 10)", async () => {
    const job = await queues.enqueue("CampaignQueue", "ProcessCampaign", { id: 1 });
    await until(async () => ((await job.isCompleted()) ? true : undefined), 30_000);
    await expect(job.finished()).resolves.toEqual({ done: true });
  }, 60_000);
});
