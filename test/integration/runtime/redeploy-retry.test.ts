// A job inside a flow that a deploy restarts fails as CF_FLOW_REDEPLOYED; its retry runs at once,
// through the new flow, and completes — not after its backoff, and not lost in a flow that is
// still being built (Node-RED builds a `job in` node before the nodes it is wired to).
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { deployEdited, editorToken } from "../../helpers/editor";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

const fixture = path.resolve(__dirname, "../../fixtures/runtime/redeploy");
let t: TestRuntime;

beforeAll(async () => {
  t = await startTestRuntime(fixture);
});
afterAll(async () => {
  await t?.stop();
});

/** Sets the version the `held` flow completes its jobs with. */
const version = (to: string) => (flows: Record<string, unknown>[]) => {
  const node = flows.find((n) => n.id === "held-version") as { rules: { to: string }[] };
  (node.rules[0] as { to: string }).to = to;
};

describe("retry after a redeploy", () => {
  it("a job inside the flow when it is redeployed completes at once through the new flow", async () => {
    const url = t.runtime.url as string;
    const token = await editorToken(url, t.config.admin.password);
    // The first attempt waits far longer than the test may run: only a retry can finish it.
    const job = await t.runtime.queues.enqueue("HeldQueue", "Held", { ms: 600_000 });
    await vi.waitFor(() => expect(t.runtime.dispatcher.activeCount).toBe(1), { timeout: 15_000 });

    await deployEdited(url, token, version("v2"));

    // The backoff (120 s) and the timeout (120 s) are both beyond the test's 30 s: the retry
    // skipped the one and did not hang until the other.
    await expect(job.finished()).resolves.toBe("v2");
    const stored = await t.runtime.queues.queue("HeldQueue").bull.getJob(job.id);
    expect(stored?.attemptsMade).toBe(1);
    // The first attempt failed as CF_FLOW_REDEPLOYED (its message says so).
    expect(stored?.stacktrace.join("\n")).toContain("stopped while job");
  });

  it("a job waiting for its flow while it is deployed runs once the flow is built", async () => {
    const url = t.runtime.url as string;
    const token = await editorToken(url, t.config.admin.password);
    const job = await t.runtime.queues.enqueue("HeldQueue", "Held", { ms: 600_000 });
    await vi.waitFor(() => expect(t.runtime.dispatcher.activeCount).toBe(1), { timeout: 15_000 });
    // Two deploys one after the other: the retry of the first may wait for the second's flow.
    await deployEdited(url, token, version("v3"));
    await deployEdited(url, token, version("v4"));
    await expect(job.finished()).resolves.toMatch(/^v[34]$/);
  });

  // A "modified nodes" deploy restarts only the changed node (here the delay holding the job), not
  // the `job in`: the job still fails at once as CF_FLOW_REDEPLOYED and its retry completes.
  it("a job inside a node that a modified-nodes deploy restarts is retried at once", async () => {
    const url = t.runtime.url as string;
    const token = await editorToken(url, t.config.admin.password);
    const job = await t.runtime.queues.enqueue("HeldQueue", "Held", { ms: 600_000 });
    await vi.waitFor(() => expect(t.runtime.dispatcher.activeCount).toBe(1), { timeout: 15_000 });
    const renameDelay = (flows: Record<string, unknown>[]) => {
      const delay = flows.find((n) => n.id === "held-delay") as { name: string };
      delay.name = `renamed ${job.id}`;
    };
    await deployEdited(url, token, renameDelay, "nodes");
    await expect(job.finished()).resolves.toMatch(/^v\d$/);
    const stored = await t.runtime.queues.queue("HeldQueue").bull.getJob(job.id);
    expect(stored?.attemptsMade).toBe(1);
    expect(stored?.stacktrace.join("\n")).toMatch(
      /CF_FLOW_REDEPLOYED|nodes of flow held-tab restarted/,
    );
  });
});
