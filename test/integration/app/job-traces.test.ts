// The tracer behind the editor's test runs: which runs it records, that its Node-RED hooks exist
// only while a traced run is in a flow (other jobs keep their cost), what a stored trace holds, and
// how messages are trimmed. Node-RED's own hooks module and a real Redis; the hook events are the
// ones Node-RED's runtime triggers for a `job in → send → job out` run.
import { afterAll, describe, expect, it } from "vitest";
import type { NodeRedHooks } from "../../../runtime/adapters/node-red/node-red-module";
import { loadConfig } from "../../../runtime/app/config";
import { ChatiaError } from "../../../runtime/errors";
import { JobTracer, loadTrace, snapshot } from "../../../runtime/flow-bridge/job-traces";
import { createTestRedis } from "../../helpers/redis";

const { hooks } = require("@node-red/util") as {
  hooks: NodeRedHooks & {
    has(id: string): boolean;
    trigger(id: string, event: unknown, done: (err?: unknown) => void): void;
  };
};
const redis = createTestRedis();
const prefix = redis.prefix.replace(/:$/, "");
afterAll(() => redis.cleanup());

const trigger = (hook: string, event: unknown) =>
  new Promise<void>((resolve, reject) =>
    hooks.trigger(hook, event, (err) => (err ? reject(err) : resolve())),
  );

/** What loadConfig needs outside demo mode (demo mode would write secrets into the project). */
const SECRETS = {
  CHATIA_ADMIN_PASSWORD: "test-admin-password-0123",
  NODE_RED_CREDENTIAL_SECRET: "test-credential-secret-0123",
  CHATIA_JWT_SECRET: "test-jwt-secret-0123456789abcdefghijklmnop",
};

const node = (id: string, type: string, name = "") => ({ id, node: { type, name } });

describe("the job tracer", () => {
  it("traces the editor's test runs and the sampled share, nothing else by default", () => {
    const none = new JobTracer(hooks, { redis: redis.redis, prefix });
    expect(none.wants({ id: "trace-1b2c" })).toBe(true);
    expect(none.wants({ id: "42" })).toBe(false);
    expect(none.wants({ id: 42 })).toBe(false);
    const all = new JobTracer(hooks, { redis: redis.redis, prefix, sampleShare: 1 });
    expect(all.wants({ id: 42 })).toBe(true);
    // A sampled share keeps the hooks while the tracer lives.
    expect(hooks.has("onReceive")).toBe(true);
    all.close();
    expect(hooks.has("onReceive")).toBe(false);
    const env = { ...SECRETS, CHATIA_TRACE_SAMPLE: "0.25" };
    expect(loadConfig({}, env).traceSample).toBe(0.25);
    expect(loadConfig({}, SECRETS).traceSample).toBe(0);
    expect(() => loadConfig({}, { ...SECRETS, CHATIA_TRACE_SAMPLE: "5%" })).toThrow(
      /CHATIA_TRACE_SAMPLE must be a number from 0 to 1, not "5%"/,
    );
  });

  it("records the path while the run is in its flow, then removes its hooks and stores the trace", async () => {
    const tracer = new JobTracer(hooks, { redis: redis.redis, prefix });
    const job = { queue: "Q", id: "trace-a", attempt: 1 };
    const other = { queue: "Q", id: "7", attempt: 1 };
    let finish: (value: unknown) => void = () => undefined;
    const run = tracer.trace({ id: "trace-a", name: "J", data: {}, attemptsMade: 0 }, "Q", () => {
      return new Promise((resolve) => {
        finish = resolve;
      });
    });
    expect(hooks.has("onReceive")).toBe(true);
    const msg = { _msgid: "m", job, payload: { text: "x".repeat(1500) } };
    await trigger("onSend", [{ msg, source: node("n1", "job in", "entry") }]);
    await trigger("onReceive", { msg, destination: node("n2", "send whatsapp", "send") });
    await trigger("onReceive", { msg: { job: other, payload: 1 }, destination: node("n2", "x") });
    await trigger("onComplete", { msg, error: new Error("first try"), node: node("n2", "x") });
    await trigger("onReceive", { msg: { job, payload: "ok" }, destination: node("n3", "job out") });
    finish("done");
    await expect(run).resolves.toBe("done");
    await expect.poll(() => loadTrace(redis.redis, prefix, "Q", "trace-a")).toBeTruthy();
    expect(hooks.has("onReceive")).toBe(false);
    expect(hooks.has("onSend")).toBe(false);
    const trace = await loadTrace(redis.redis, prefix, "Q", "trace-a");
    expect(trace).toMatchObject({ queue: "Q", name: "J", outcome: "completed", result: "done" });
    expect(trace?.steps.map((s) => [s.nodeId, s.type, s.name])).toEqual([
      ["n1", "job in", "entry"],
      ["n2", "send whatsapp", "send"],
      ["n3", "job out", ""],
    ]);
    expect(trace?.steps[1]?.error).toBe("first try");
    // The message as received, without _msgid and job; long strings cut.
    const first = trace?.steps[0]?.msg as { payload: { text: string } };
    expect(Object.keys(first)).toEqual(["payload"]);
    expect(first.payload.text).toHaveLength(1001);
  });

  it("stores a failed run's code and failing node", async () => {
    const tracer = new JobTracer(hooks, { redis: redis.redis, prefix });
    const failure = new ChatiaError("CF_NODE_INPUT", 'no number (at node "send" n2)');
    const run = tracer.trace({ id: "trace-b", name: "J", data: {}, attemptsMade: 1 }, "Q", () =>
      Promise.reject(failure),
    );
    await expect(run).rejects.toBe(failure);
    await expect
      .poll(() => loadTrace(redis.redis, prefix, "Q", "trace-b"))
      .toMatchObject({
        attempt: 2,
        outcome: "failed",
        error: { code: "CF_NODE_INPUT", nodeId: "n2" },
      });
    expect(hooks.has("onReceive")).toBe(false);
  });

  it("trims messages: deep objects, long arrays, buffers and dates", () => {
    const deep = { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } };
    expect(JSON.stringify(snapshot(deep))).toBe('{"a":{"b":{"c":{"d":{"e":{"f":"…"}}}}}}');
    const list = snapshot(Array.from({ length: 60 }, (_, i) => i)) as unknown[];
    expect(list).toHaveLength(51);
    expect(list[50]).toBe("… 10 more");
    expect(snapshot(Buffer.from("abc"))).toBe("<Buffer 3 bytes>");
    expect(snapshot(new Date(0))).toBe("1970-01-01T00:00:00.000Z");
  });
});
