// The dispatcher on its own: entries registered by hand stand for `job in` nodes (the flows
// themselves are covered by test/integration/runtime). What is checked here is the settling:
// each run once, its observer told before its promise settles.
import { describe, expect, it } from "vitest";
import { ChatiaError } from "../../../runtime/errors";
import {
  Dispatcher,
  type DispatchJob,
  type DispatchOptions,
  type FlowEntry,
  type JobMessage,
} from "../../../runtime/flow-bridge/dispatcher";

interface Settled {
  job: DispatchJob;
  options: DispatchOptions;
  ms: number;
  error: Error | undefined;
}

/** A dispatcher whose observer records every settlement, and an entry per queue that keeps what it receives. */
function setup(observe?: (s: Settled) => void) {
  const settled: Settled[] = [];
  const dispatcher = new Dispatcher({
    settled(job, options, ms, error) {
      settled.push({ job, options, ms, error });
      observe?.({ job, options, ms, error });
    },
  });
  const received: JobMessage[] = [];
  const entry = (flowId: string): FlowEntry => ({
    nodeId: `${flowId}-in`,
    flowId,
    inject: (msg) => received.push(msg),
  });
  return { dispatcher, settled, received, entry };
}

const job = (id: string, attemptsMade = 0): DispatchJob => ({
  id,
  name: "Run",
  data: { id },
  attemptsMade,
  timestamp: 1_700_000_000_000,
});

describe("Dispatcher", () => {
  it("hands a job to its flow as plain data and completes it with the flow's result", async () => {
    const { dispatcher, settled, received, entry } = setup();
    dispatcher.register("Q", "Run", entry("f1"));
    const options = { queue: "Q", timeoutMs: 5_000 };
    const running = dispatcher.dispatch(job("7"), options);
    expect(received).toEqual([
      {
        _msgid: "Q:7:1",
        payload: { id: "7" },
        job: { id: "7", queue: "Q", name: "Run", attempt: 1, timestamp: 1_700_000_000_000 },
      },
    ]);
    expect(dispatcher.activeCount).toBe(1);
    expect(dispatcher.complete(received[0]?.job as never, { done: true })).toBe(true);
    await expect(running).resolves.toEqual({ done: true });
    expect(settled).toHaveLength(1);
    expect(settled[0]?.job.id).toBe("7");
    expect(settled[0]?.options).toBe(options);
    expect(settled[0]?.error).toBeUndefined();
    expect(settled[0]?.ms).toBeGreaterThanOrEqual(0);
    expect(dispatcher.activeCount).toBe(0);
    // Settled once: a second job out for the same run changes nothing.
    expect(dispatcher.complete(received[0]?.job as never, "again")).toBe(false);
    expect(settled).toHaveLength(1);
  });

  it("tells the observer before the job's promise settles", async () => {
    const order: string[] = [];
    const { dispatcher, received, entry } = setup((s) =>
      order.push(`observer:${s.error?.message}`),
    );
    dispatcher.register("Q", "Run", entry("f1"));
    const running = dispatcher.dispatch(job("1"), { queue: "Q", timeoutMs: 5_000 }).catch((e) => {
      order.push("rejected");
      throw e;
    });
    dispatcher.fail(received[0]?.job as never, new ChatiaError("CF_FLOW_FAILED", "no"));
    await expect(running).rejects.toMatchObject({ code: "CF_FLOW_FAILED", message: "no" });
    expect(order).toEqual(["observer:no", "rejected"]);
  });

  it("settles the run even when the observer throws", async () => {
    const { dispatcher, received, entry } = setup(() => {
      throw new Error("observer bug");
    });
    dispatcher.register("Q", "Run", entry("f1"));
    const running = dispatcher.dispatch(job("1"), { queue: "Q", timeoutMs: 5_000 });
    expect(() => dispatcher.complete(received[0]?.job as never, 42)).toThrow("observer bug");
    await expect(running).resolves.toBe(42);
    expect(dispatcher.activeCount).toBe(0);
  });

  it("keeps runs of different queues with the same job id apart", async () => {
    const { dispatcher, received, entry } = setup();
    dispatcher.register("A", "Run", entry("fa"));
    dispatcher.register("B", "Run", entry("fb"));
    const a = dispatcher.dispatch(job("1"), { queue: "A", timeoutMs: 5_000 });
    const b = dispatcher.dispatch(job("1"), { queue: "B", timeoutMs: 5_000 });
    expect(dispatcher.activeCount).toBe(2);
    dispatcher.complete(received[1]?.job as never, "from B");
    await expect(b).resolves.toBe("from B");
    expect(dispatcher.activeCount).toBe(1);
    dispatcher.complete(received[0]?.job as never, "from A");
    await expect(a).resolves.toBe("from A");
  });

  it("ignores a message of an earlier attempt of the job", async () => {
    const { dispatcher, received, entry } = setup();
    dispatcher.register("Q", "Run", entry("f1"));
    const running = dispatcher.dispatch(job("5", 1), { queue: "Q", timeoutMs: 5_000 });
    const stale = { ...(received[0]?.job as object), attempt: 1 };
    expect(dispatcher.complete(stale as never, "stale")).toBe(false);
    expect(dispatcher.activeCount).toBe(1);
    dispatcher.complete(received[0]?.job as never, "current");
    await expect(running).resolves.toBe("current");
  });

  it("fails a run past its timeout with CF_JOB_TIMEOUT, observed", async () => {
    const { dispatcher, settled, entry } = setup();
    dispatcher.register("Q", "Run", entry("f1"));
    const running = dispatcher.dispatch(job("9"), { queue: "Q", timeoutMs: 50 });
    await expect(running).rejects.toMatchObject({ code: "CF_JOB_TIMEOUT" });
    expect(settled[0]?.error).toMatchObject({ code: "CF_JOB_TIMEOUT" });
    expect(dispatcher.activeCount).toBe(0);
  });

  it("fails the runs inside a flow that stops, so that Bull retries them", async () => {
    const { dispatcher, settled, entry } = setup();
    const first = entry("f1");
    dispatcher.register("Q", "Run", first);
    const running = [1, 2, 3].map((i) =>
      dispatcher.dispatch(job(String(i)), { queue: "Q", timeoutMs: 5_000 }),
    );
    dispatcher.unregister("Q", "Run", first);
    for (const run of running)
      await expect(run).rejects.toMatchObject({ code: "CF_FLOW_REDEPLOYED" });
    expect(settled.map((s) => (s.error as ChatiaError).code)).toEqual(
      Array(3).fill("CF_FLOW_REDEPLOYED"),
    );
    expect(dispatcher.activeCount).toBe(0);
    expect(dispatcher.hasEntry("Q", "Run")).toBe(false);
  });

  it("waits for the flow of a job to start, then runs it", async () => {
    const { dispatcher, received, entry } = setup();
    const running = dispatcher.dispatch(job("3"), { queue: "Q", timeoutMs: 5_000 });
    expect(received).toHaveLength(0);
    dispatcher.register("Q", "Run", entry("f1"));
    await expect.poll(() => received.length).toBe(1);
    dispatcher.complete(received[0]?.job as never, "late");
    await expect(running).resolves.toBe("late");
  });

  it("hands no job to a flow Node-RED is still starting, then runs the waiting ones", async () => {
    const { dispatcher, received, entry } = setup();
    const waiting = dispatcher.dispatch(job("4"), { queue: "Q", timeoutMs: 5_000 });
    dispatcher.startingFlows();
    const starting = entry("f2");
    dispatcher.register("Q", "Run", starting);
    // The `job in` node exists, but the nodes it is wired to may not yet: nothing goes in.
    await Promise.resolve();
    expect(dispatcher.hasEntry("Q", "Run")).toBe(false);
    const arriving = dispatcher.dispatch(job("5"), { queue: "Q", timeoutMs: 5_000 });
    expect(received).toHaveLength(0);
    dispatcher.flowsStarted();
    await expect.poll(() => received.map((m) => m.job.id).sort()).toEqual(["4", "5"]);
    for (const msg of received) dispatcher.complete(msg.job, `done ${msg.job.id}`);
    await expect(waiting).resolves.toBe("done 4");
    await expect(arriving).resolves.toBe("done 5");
  });

  it("forgets an entry whose flow stops before Node-RED finished starting it", () => {
    const { dispatcher, entry } = setup();
    dispatcher.startingFlows();
    const starting = entry("f3");
    dispatcher.register("Q", "Run", starting);
    dispatcher.unregister("Q", "Run", starting);
    dispatcher.flowsStarted();
    expect(dispatcher.hasEntry("Q", "Run")).toBe(false);
  });
});
