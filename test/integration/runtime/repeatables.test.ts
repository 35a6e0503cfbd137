// Cron triggers in Redis follow the manifest: added, replaced when edited (old trigger and its
// pending next run gone), removed when the job is disabled or its queue leaves the manifest, and
// any number of restarts leaves exactly the manifest's triggers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile, type Plan } from "../../../runtime/compile";
import { parseManifest } from "../../../runtime/manifest";
import { QueueRuntime } from "../../../runtime/queues/queue-runtime";
import { createTestRedis, type TestRedis } from "../../helpers/redis";

let redis: TestRedis;
beforeAll(() => {
  redis = createTestRedis();
});
afterAll(async () => {
  await redis.cleanup();
});

async function planOf(yaml: string): Promise<Plan> {
  return compile(await parseManifest(yaml, "/tmp/jobs.yaml", { env: {} }));
}

function manifest(
  cron: string,
  options: { tz?: string; enabled?: boolean; extraQueue?: boolean } = {},
): string {
  return [
    "version: 1",
    "queues:",
    "  ScheduleMonitor:",
    "    jobs:",
    "      Verify:",
    "        flow: verify-schedules",
    `        cron: "${cron}"`,
    `        tz: ${options.tz ?? "UTC"}`,
    `        enabled: ${options.enabled ?? true}`,
    "  UserMonitor:",
    "    jobs:",
    "      VerifyLoginStatus: { flow: verify-login-status, cron: '* * * * *' }",
    ...(options.extraQueue
      ? ["  Extra:", "    jobs:", "      Ping: { flow: ping, cron: '0 0 * * *' }"]
      : []),
  ].join("\n");
}

async function apply(plan: Plan) {
  const queues = await QueueRuntime.open(plan, {
    url: redis.url,
    prefix: redis.prefix.slice(0, -1),
  });
  try {
    const diff = await queues.applyRepeatables();
    const state = await queues.diffRepeatables();
    const delayed = await Promise.all(
      plan.queues.map(async (q) =>
        (await queues.queue(q.name).bull.getDelayed()).map(
          (j) => `${q.name}:${j.name}:${(j.opts.repeat as { cron?: string } | undefined)?.cron}`,
        ),
      ),
    );
    return {
      diff,
      triggers: state.keep.map((r) => `${r.queue}/${r.name} ${r.cron} ${r.tz}`).sort(),
      pending: state,
      delayed: delayed.flat().sort(),
    };
  } finally {
    await queues.close();
  }
}

describe("cron triggers", () => {
  it("adds the manifest's triggers, and twenty restarts leave exactly those", async () => {
    const plan = await planOf(manifest("0 * * * * *"));
    const first = await apply(plan);
    expect(first.diff.add).toHaveLength(2);
    for (let i = 0; i < 20; i++) {
      const again = await apply(plan);
      expect(again.diff.add).toHaveLength(0);
      expect(again.diff.remove).toHaveLength(0);
    }
    const last = await apply(plan);
    expect(last.triggers).toEqual([
      "ScheduleMonitor/Verify 0 * * * * * UTC",
      "UserMonitor/VerifyLoginStatus * * * * * UTC",
    ]);
    expect(last.delayed).toEqual([
      "ScheduleMonitor:Verify:0 * * * * *",
      "UserMonitor:VerifyLoginStatus:* * * * *",
    ]);
  });

  it("replaces an edited cron: the old trigger and its pending next run are gone", async () => {
    const edited = await apply(await planOf(manifest("*/30 * * * * *")));
    expect(edited.diff.remove.map((r) => r.cron)).toEqual(["0 * * * * *"]);
    expect(edited.diff.add.map((r) => r.cron)).toEqual(["*/30 * * * * *"]);
    expect(edited.triggers).toContain("ScheduleMonitor/Verify */30 * * * * * UTC");
    expect(edited.delayed).toEqual([
      "ScheduleMonitor:Verify:*/30 * * * * *",
      "UserMonitor:VerifyLoginStatus:* * * * *",
    ]);
  });

  it("replaces a trigger whose time zone changed", async () => {
    const moved = await apply(
      await planOf(manifest("*/30 * * * * *", { tz: "America/Sao_Paulo" })),
    );
    expect(moved.diff.remove).toHaveLength(1);
    expect(moved.triggers).toContain("ScheduleMonitor/Verify */30 * * * * * America/Sao_Paulo");
  });

  it("removes the trigger of a disabled job, and of a queue that left the manifest", async () => {
    await apply(await planOf(manifest("*/30 * * * * *", { extraQueue: true })));
    const after = await apply(await planOf(manifest("*/30 * * * * *", { enabled: false })));
    expect(after.diff.remove.map((r) => `${r.queue}/${r.name}`).sort()).toEqual([
      "Extra/Ping",
      "ScheduleMonitor/Verify",
    ]);
    expect(after.triggers).toEqual(["UserMonitor/VerifyLoginStatus * * * * * UTC"]);
    expect(after.delayed).toEqual(["UserMonitor:VerifyLoginStatus:* * * * *"]);
  });
});
