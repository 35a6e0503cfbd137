// Changing things while jobs run: a deploy from the editor loses no job (the ones inside the
// restarted flow are retried), a valid jobs.yaml edit is applied without a restart, an invalid one
// (or a flow file edited by hand with a bad setting) is refused and the running configuration stays.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployEdited, editorToken } from "../../helpers/editor";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

const fixture = path.resolve(__dirname, "../../fixtures/runtime/behaviours");
let t: TestRuntime;

beforeAll(async () => {
  t = await startTestRuntime(fixture);
});
afterAll(async () => {
  await t?.stop();
});

const adminToken = () => editorToken(t.runtime.url as string, t.config.admin.password);
const deploy = (token: string, edit: (flows: Record<string, unknown>[]) => void) =>
  deployEdited(t.runtime.url as string, token, edit);

describe("deploys and reloads while jobs run", () => {
  it("the editor refuses requests without a login", async () => {
    expect((await fetch(`${t.runtime.url}/flows/flows`)).status).toBe(401);
  });

  it("a full deploy while jobs are inside a flow loses none of them", async () => {
    // Logged in first, so that the deploy lands while the jobs are inside the flow.
    const token = await adminToken();
    const jobs = await Promise.all(
      Array.from({ length: 8 }, () => t.runtime.queues.enqueue("TestQueue", "Slow", { ms: 700 })),
    );
    // Deploy once five jobs (the queue's concurrency) are inside the flow.
    const deadline = Date.now() + 10_000;
    while (t.runtime.dispatcher.activeCount < 5) {
      if (Date.now() > deadline) throw new Error("the jobs did not start");
      await new Promise((r) => setTimeout(r, 20));
    }
    await deploy(token, (flows) => {
      const result = flows.find((n) => n.id === "slow-result") as { rules: { to: string }[] };
      (result.rules[0] as { to: string }).to = "slept v2";
    });
    const results = await Promise.all(jobs.map((j) => j.finished()));
    expect(results).toEqual(Array(8).fill("slept v2"));
    const retried = await Promise.all(
      jobs.map(
        async (j) => (await t.runtime.queues.queue("TestQueue").bull.getJob(j.id))?.attemptsMade,
      ),
    );
    // Those inside the flow when it restarted ran twice; none failed.
    expect(retried.every((n) => n === 0 || n === 1)).toBe(true);
    expect(retried.filter((n) => n === 1).length).toBeGreaterThanOrEqual(5);
    const file = await readFile(path.join(t.config.flowsDir, "slow.json"), "utf8");
    expect(file).toContain('"to": "slept v2"');
  });

  it("applies a valid jobs.yaml edit without a restart", async () => {
    const manifestFile = t.config.manifestFile;
    const original = await readFile(manifestFile, "utf8");
    await writeFile(
      manifestFile,
      original
        .replace('cron: "0 0 1 1 *"', 'cron: "0 0 2 1 *"')
        .replace("timeout: 1500", "timeout: 1600"),
    );
    await expect(t.runtime.reload()).resolves.toEqual({ applied: true, problems: [] });
    const diff = await t.runtime.queues.diffRepeatables();
    expect(diff.keep.map((r) => r.cron)).toEqual(["0 0 2 1 *"]);
    expect(t.runtime.plan().queues[0]?.jobs.find((j) => j.name === "Slow")?.timeoutMs).toBe(1600);
    await expect(
      t.runtime.queues.enqueue("TestQueue", "Slow", { ms: 10 }).then((j) => j.finished()),
    ).resolves.toBe("slept v2");
  });

  it("refuses an invalid edit with validate's messages and keeps running the previous plan", async () => {
    const manifestFile = t.config.manifestFile;
    const valid = await readFile(manifestFile, "utf8");
    await writeFile(manifestFile, valid.replace("attempts: 2", "attempts: zero"));
    const result = await t.runtime.reload();
    expect(result.applied).toBe(false);
    expect(result.problems).toEqual([
      expect.stringMatching(
        /jobs\.yaml:\d+:\d+: attempts must be a whole number \(got string "zero"\) \(at \/queues\/TestQueue\/jobs\/Slow\/attempts\)$/,
      ),
    ]);
    expect(t.runtime.plan().queues[0]?.jobs.find((j) => j.name === "Slow")?.options.attempts).toBe(
      2,
    );
    await expect(
      t.runtime.queues.enqueue("TestQueue", "Slow", { ms: 10 }).then((j) => j.finished()),
    ).resolves.toBe("slept v2");
    await writeFile(manifestFile, valid);
  });

  it("refuses a reload while a flow file edited by hand has a bad setting, naming file, node and setting", async () => {
    const flowFile = path.join(t.config.flowsDir, "slow.json");
    const valid = await readFile(flowFile, "utf8");
    await writeFile(flowFile, valid.replace('"mode": "complete"', '"mode": "finish"'));
    const result = await t.runtime.reload();
    expect(result.applied).toBe(false);
    expect(result.problems).toEqual([
      expect.stringMatching(
        /jobs\.yaml:\d+:\d+: flow file flows\/slow\.json \(of TestQueue\/Slow\): node slow-out \(job out\): setting "mode" must be one of complete, fail, got "finish"; correct the setting/,
      ),
    ]);
    // The running flow is the deployed one: its job still completes.
    await expect(
      t.runtime.queues.enqueue("TestQueue", "Slow", { ms: 10 }).then((j) => j.finished()),
    ).resolves.toBe("slept v2");
    await writeFile(flowFile, valid);
    await expect(t.runtime.reload()).resolves.toEqual({ applied: true, problems: [] });
  });
});
