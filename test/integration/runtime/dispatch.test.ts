// A job runs its flow and completes with the flow's result; bad data is a user error, not retried.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

const fixture = path.resolve(__dirname, "../../fixtures/runtime/echo");
let t: TestRuntime;

beforeAll(async () => {
  t = await startTestRuntime(fixture);
});
afterAll(async () => {
  await t?.stop();
});

describe("dispatch through a flow", () => {
  it("completes a job with the flow's result", async () => {
    const job = await t.runtime.queues.enqueue("TestQueue", "Echo", { text: "olá" });
    await expect(job.finished()).resolves.toBe("OLÁ");
  });

  it("refuses to enqueue data that does not fit the payload schema, listing every problem", async () => {
    await expect(t.runtime.queues.enqueue("TestQueue", "Echo", { txt: 1 })).rejects.toMatchObject({
      code: "CF_JOB_BAD_PAYLOAD",
      kind: "user",
      message: 'TestQueue/Echo: payload is missing "text"',
    });
  });

  it("fails a job with bad data added by another producer at once, without retrying", async () => {
    const job = await t.runtime.queues
      .queue("TestQueue")
      .bull.add("Echo", { text: 42 }, { attempts: 3 });
    await expect(job.finished()).rejects.toThrow("payload/text must be string");
    const stored = await t.runtime.queues.queue("TestQueue").bull.getJob(job.id);
    expect(stored?.attemptsMade).toBe(1);
    expect(await stored?.getState()).toBe("failed");
  });
});
