// The job nodes (`job in`, `job out`, `enqueue job`, `emit event`) under Node-RED's node test
// helper, over the runtime's real dispatcher, Bull queues on a Redis prefix of the test's own
// (the repository's jobs.yaml) and socket.io: a job handed to a flow by the dispatcher, settled by
// `job out`; jobs added to Bull with their options; an event received by a company's client.
import type { NodeMessage } from "node-red";
import { describe, expect, it } from "vitest";
import registerEmitEvent from "../../nodes/emit-event/emit-event";
import registerEnqueueJob from "../../nodes/enqueue-job/enqueue-job";
import registerJobIn from "../../nodes/job-in/job-in";
import registerJobOut from "../../nodes/job-out/job-out";
import type { FlowEntry, JobMessage } from "../../runtime/flow-bridge/dispatcher";
import {
  companyFrontend,
  helper,
  type LoadedNode,
  loadNode,
  type NodeWorld,
  typed,
  useContext,
  useNodeWorld,
} from "../helpers/node-harness";

let world: NodeWorld;

useNodeWorld((created) => {
  world = created;
});

let jobs = 0;
/** A Bull-like job of `queue/name` handed to the dispatcher; resolves or rejects as its flow settles it. */
function dispatch(queue: string, name: string, data: unknown, attemptsMade = 0) {
  const id = `job-${++jobs}`;
  const settled = world.dispatcher.dispatch(
    { id, name, data, attemptsMade, timestamp: Date.now() },
    { queue, timeoutMs: 20_000 },
  );
  return { id, settled };
}

describe("job in", () => {
  it("takes its job's runs from the dispatcher, and gives them back when its flow stops", async () => {
    useContext(world.context);
    await helper.load(registerJobIn, [
      { id: "f1", type: "tab" },
      {
        id: "in",
        z: "f1",
        type: "job in",
        name: "",
        queue: "MessageQueue",
        job: "SendMessage",
        wires: [["out"]],
      },
      { id: "out", z: "f1", type: "helper" },
    ]);
    const node = helper.getNode("in");
    const out = helper.getNode("out");
    const received = new Promise<JobMessage>((resolve) =>
      out?.on("input", (msg: NodeMessage) => resolve(msg as unknown as JobMessage)),
    );
    expect(world.dispatcher.hasEntry("MessageQueue", "SendMessage")).toBe(true);
    const { id, settled } = dispatch("MessageQueue", "SendMessage", { whatsappId: 1 }, 2);
    const msg = await received;
    expect(msg.payload).toEqual({ whatsappId: 1 });
    expect(msg.job).toEqual({
      id,
      queue: "MessageQueue",
      name: "SendMessage",
      attempt: 3,
      timestamp: expect.any(Number),
    });
    expect(msg._msgid).toBe(`MessageQueue:${id}:3`);
    const statuses =
      (node?.status as unknown as { getCalls(): { args: unknown[] }[] } | undefined)?.getCalls() ??
      [];
    expect(statuses.map((c) => c.args[0])).toEqual([
      { fill: "green", shape: "dot", text: "MessageQueue/SendMessage" },
    ]);
    world.dispatcher.complete(msg.job, "ok");
    await expect(settled).resolves.toBe("ok");
    await helper.unload();
    expect(world.dispatcher.hasEntry("MessageQueue", "SendMessage")).toBe(false);
  });

  it("job in → job out: a run is completed with the property job out names", async () => {
    useContext(world.context);
    await helper.load(
      [registerJobIn, registerJobOut],
      [
        { id: "f1", type: "tab" },
        {
          id: "in",
          z: "f1",
          type: "job in",
          name: "",
          queue: "CampaignQueue",
          job: "ProcessCampaign",
          wires: [["out"]],
        },
        {
          id: "out",
          z: "f1",
          type: "job out",
          name: "",
          mode: "complete",
          property: "payload.id",
          retry: true,
          wires: [],
        },
      ],
    );
    const { settled } = dispatch("CampaignQueue", "ProcessCampaign", { id: 42 });
    await expect(settled).resolves.toBe(42);
  });
});

describe("job out", () => {
  /** A flow entry for `queue/name` that hands each run's message to the job out node `n`. */
  function entryTo(n: LoadedNode, queue: string, name: string, extra: Record<string, unknown>) {
    const results: Promise<unknown>[] = [];
    const entry: FlowEntry = {
      nodeId: "in",
      flowId: "f1",
      inject: (msg) => {
        results.push(n.receive({ ...msg, ...extra }));
      },
    };
    world.dispatcher.register(queue, name, entry);
    return {
      results,
      stop: () => world.dispatcher.unregister(queue, name, entry),
    };
  }

  it("completes the run with msg.payload, and leaves a settled run alone", async () => {
    const n = await loadNode(
      registerJobOut,
      "job out",
      { mode: "complete", property: "payload", retry: true },
      world.context,
      0,
    );
    const entry = entryTo(n, "ScheduleMonitor", "Verify", {});
    const { settled } = dispatch("ScheduleMonitor", "Verify", { due: 3 });
    await expect(settled).resolves.toEqual({ due: 3 });
    const [outcome] = (await Promise.all(entry.results)) as { error?: Error }[];
    expect(outcome?.error).toBeUndefined();
    entry.stop();
    // The same run again (a duplicate message): nothing to settle, done() all the same.
    const again = await n.receive({
      payload: {},
      job: { id: "gone", queue: "ScheduleMonitor", name: "Verify", attempt: 1, timestamp: 0 },
    });
    expect(again.error).toBeUndefined();
    expect(n.doneCalls).toEqual([undefined, undefined]);
    expect(n.statuses()).toEqual([]);
  });

  it("fails the run with the caught error's code, or CF_FLOW_FAILED retried or not", async () => {
    const fail = (retry: boolean) =>
      loadNode(
        registerJobOut,
        "job out",
        { mode: "fail", property: "payload", retry },
        world.context,
        0,
      );
    let n = await fail(true);
    let entry = entryTo(n, "UserMonitor", "VerifyLoginStatus", {
      error: {
        message: "connection 3 is DISCONNECTED",
        code: "CF_WA_DISCONNECTED",
        source: { id: "n9", type: "send whatsapp", name: "Send" },
      },
    });
    await expect(dispatch("UserMonitor", "VerifyLoginStatus", {}).settled).rejects.toMatchObject({
      code: "CF_WA_DISCONNECTED",
      message: expect.stringMatching(/^connection 3 is DISCONNECTED .*n9/),
    });
    entry.stop();
    entry = entryTo(n, "UserMonitor", "VerifyLoginStatus", {});
    await expect(dispatch("UserMonitor", "VerifyLoginStatus", {}).settled).rejects.toMatchObject({
      code: "CF_FLOW_FAILED",
      kind: "operational",
      message: "the flow failed the job",
    });
    entry.stop();
    await helper.unload();
    n = await fail(false);
    entry = entryTo(n, "UserMonitor", "VerifyLoginStatus", {
      error: { message: "no such ticket" },
    });
    await expect(dispatch("UserMonitor", "VerifyLoginStatus", {}).settled).rejects.toMatchObject({
      code: "CF_FLOW_FAILED",
      kind: "user",
      message: "no such ticket",
    });
    entry.stop();
    await Promise.all(entry.results);
    expect(n.doneCalls).toEqual([undefined]);
  });

  it("fails a message that comes from no job (msg.job missing)", async () => {
    const n = await loadNode(
      registerJobOut,
      "job out",
      { mode: "complete", property: "payload", retry: true },
      world.context,
      0,
    );
    const { error } = await n.receive({ payload: 1 });
    expect(error?.message).toMatch(
      /^msg\.job is missing: this message does not come from a job in node/,
    );
    expect(n.doneCalls).toHaveLength(1);
  });
});

describe("enqueue job", () => {
  const bull = () => world.queues.queue("CampaignQueue").bull;

  it("adds one job of the manifest with its data, job id, delay and priority", async () => {
    const n = await loadNode(
      registerEnqueueJob,
      "enqueue job",
      {
        mode: "single",
        queue: "CampaignQueue",
        job: "ProcessCampaign",
        property: "payload",
        ...typed({
          data: ["payload", "msg"],
          jobId: ["'campaign-' & payload.id", "jsonata"],
          delay: ["wait", "flow"],
          priority: ["2", "num"],
        }),
      },
      world.context,
    );
    n.node.context().flow.set("wait", 60_000);
    const first = await n.receive({ _msgid: "e1", payload: { id: 7 } });
    expect(first.error).toBeUndefined();
    expect(first.sent?.enqueuedJob).toEqual({
      queue: "CampaignQueue",
      name: "ProcessCampaign",
      id: "campaign-7",
    });
    const job = await bull().getJob("campaign-7");
    expect(job?.data).toEqual({ id: 7 });
    expect(job?.opts).toMatchObject({ delay: 60_000, priority: 2, attempts: 3 });
    expect(n.statuses()).toEqual([
      { fill: "green", shape: "dot", text: "ProcessCampaign campaign-7" },
    ]);
    // The job id is the idempotency key: the same id adds nothing more.
    const again = await n.receive({ _msgid: "e2", payload: { id: 7 } });
    expect(again.sent?.enqueuedJob).toMatchObject({ id: "campaign-7" });
    expect((await bull().getDelayed()).filter((j) => j.id === "campaign-7")).toHaveLength(1);
    expect(n.doneCalls).toEqual([undefined, undefined]);
  });

  it("refuses data that fails the job's payload schema, and a delay that is not a number", async () => {
    const n = await loadNode(
      registerEnqueueJob,
      "enqueue job",
      {
        mode: "single",
        queue: "CampaignQueue",
        job: "ProcessCampaign",
        ...typed({ data: ["payload", "msg"], delay: ["payload.delay", "msg"] }),
      },
      world.context,
    );
    const bad = await n.receive({ _msgid: "e3", payload: { id: "seven" } });
    expect(bad.error?.code).toBe("CF_JOB_BAD_PAYLOAD");
    expect(n.statuses().at(-1)).toEqual({ fill: "red", shape: "ring", text: "CF_JOB_BAD_PAYLOAD" });
    const late = await n.receive({ _msgid: "e4", payload: { id: 8, delay: "later" } });
    expect(late.error?.code).toBe("CF_NODE_INPUT");
    expect(late.error?.message).toBe(
      'delay (msg.payload.delay) must be a whole number >= 0, got "later"',
    );
    expect([bad.outputs, late.outputs]).toEqual([[[]], [[]]]);
    expect(n.doneCalls).toHaveLength(2);
  });

  it("in list mode adds every job of an array, and refuses what is not one", async () => {
    const n = await loadNode(
      registerEnqueueJob,
      "enqueue job",
      { mode: "list", queue: "CampaignQueue", job: "ProcessCampaign", property: "payload.jobs" },
      world.context,
    );
    const { sent, error } = await n.receive({
      _msgid: "e5",
      payload: {
        jobs: [
          { data: { id: 11 }, jobId: "list-11", delayMs: 30_000 },
          { data: { id: 12 }, jobId: "list-12", delayMs: 30_000 },
        ],
      },
    });
    expect(error).toBeUndefined();
    expect(sent?.enqueued).toBe(2);
    expect((await bull().getJob("list-12"))?.data).toEqual({ id: 12 });
    expect(n.statuses()).toEqual([{ fill: "green", shape: "dot", text: "2 jobs" }]);
    const bad = await n.receive({ _msgid: "e6", payload: { jobs: [{ id: 13 }] } });
    expect(bad.error?.code).toBe("CF_NODE_INPUT");
    expect(bad.error?.message).toMatch(
      /^msg\.payload\.jobs must be an array of \{ queue\?, job\?, data/,
    );
    expect(n.doneCalls).toHaveLength(2);
  });
});

describe("emit event", () => {
  it("sends company-<id>-<topic> with the event to that company's socket.io clients", async () => {
    const frontend = await companyFrontend(world, 5);
    try {
      const n = await loadNode(
        registerEmitEvent,
        "emit event",
        {
          topic: "ticket",
          ...typed({
            company: ["payload.companyId", "msg"],
            event: ['{"action":"update","n":payload.n}', "jsonata"],
          }),
        },
        world.context,
      );
      const { sent, error } = await n.receive({ _msgid: "v1", payload: { companyId: 5, n: 2 } });
      expect(error).toBeUndefined();
      expect(sent?.payload).toEqual({ companyId: 5, n: 2 });
      expect(await frontend.waitFor("company-5-ticket")).toEqual([{ action: "update", n: 2 }]);
      expect(n.statuses()).toEqual([{ fill: "green", shape: "dot", text: "company-5-ticket" }]);
      expect(n.doneCalls).toEqual([undefined]);
    } finally {
      await frontend.stop();
    }
  });

  it("refuses a company that is not an id, naming the setting and the path", async () => {
    const n = await loadNode(
      registerEmitEvent,
      "emit event",
      {
        topic: "ticket",
        ...typed({ company: ["payload.company.id", "msg"], event: ["payload", "msg"] }),
      },
      world.context,
    );
    const { error, outputs } = await n.receive({ _msgid: "v2", payload: {} });
    expect(error?.code).toBe("CF_NODE_INPUT");
    expect(error?.message).toBe(
      "company (msg.payload.company.id) must be a company id, got nothing",
    );
    expect(outputs).toEqual([[]]);
    expect(n.statuses()).toEqual([{ fill: "red", shape: "ring", text: "CF_NODE_INPUT" }]);
    expect(n.doneCalls).toHaveLength(1);
  });
});
