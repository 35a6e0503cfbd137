// How a flow's errors decide a job's fate: a node error retries per attempts/backoff then fails
// with the reason; a Catch path fails the job (here without retry); a timeout fails the run.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failureInfo } from "../../../runtime/flow-bridge/node-failure";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

const fixture = path.resolve(__dirname, "../../fixtures/runtime/behaviours");
let t: TestRuntime;

beforeAll(async () => {
  t = await startTestRuntime(fixture, { editor: false });
});
afterAll(async () => {
  await t?.stop();
});

async function settled(queue: string, name: string, data: unknown) {
  const job = await t.runtime.queues.enqueue(queue, name, data);
  const outcome: { result?: unknown; error?: string } = await job.finished().then(
    (result: unknown) => ({ result }),
    (error: Error) => ({ error: error.message }),
  );
  const stored = await t.runtime.queues.queue(queue).bull.getJob(job.id);
  return {
    ...outcome,
    attemptsMade: stored?.attemptsMade,
    state: await stored?.getState(),
    stacktrace: stored?.stacktrace,
  };
}

describe("errors in flows", () => {
  it("retries a node error per attempts and backoff, then completes", async () => {
    const run = await settled("TestQueue", "Throw", { failures: 2 });
    expect(run).toMatchObject({ result: "ok on attempt 3", attemptsMade: 2, state: "completed" });
  });

  it("fails for good with the node's reason once the attempts are spent", async () => {
    const run = await settled("TestQueue", "Throw", { failures: 5 });
    expect(run).toMatchObject({
      error: 'Error: boom on attempt 3 (at node "maybe throw" throw-fn)',
      attemptsMade: 3,
      state: "failed",
    });
    // The code and the failing node can be read back from what Bull keeps of the job.
    expect(failureInfo(run.error, run.stacktrace)).toEqual({
      code: "CF_FLOW_ERROR",
      nodeId: "throw-fn",
      nodeLabel: "maybe throw",
    });
  });

  it("lets a Catch path fail the job, here without retry", async () => {
    const run = await settled("TestQueue", "Caught", {});
    expect(run).toMatchObject({
      error: 'Error: caught boom (at node "always throw" caught-fn)',
      attemptsMade: 1,
      state: "failed",
    });
    expect(failureInfo(run.error, run.stacktrace)).toMatchObject({
      code: "CF_FLOW_FAILED",
      nodeId: "caught-fn",
    });
  });

  it("fails a run that outlives its timeout, and retries it", async () => {
    const started = Date.now();
    const run = await settled("TestQueue", "Slow", { ms: 4000 });
    expect(run.state).toBe("failed");
    expect(run.attemptsMade).toBe(2);
    expect(run.error).toMatch(/was not settled by its flow within 1500 ms/);
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it("still completes a slow job that fits its timeout", async () => {
    await expect(settled("TestQueue", "Slow", { ms: 200 })).resolves.toMatchObject({
      result: "slept",
      state: "completed",
    });
  });
});
