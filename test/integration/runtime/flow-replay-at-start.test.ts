// A worker that has just started has seen no flow set yet: an older set the api once signed,
// written back into Redis, is still refused, because the api records in Postgres the newest set
// it published. The worker runs its flow files instead, and applies the api's next publish.
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SequelizeFlowPublications } from "../../../runtime/adapters/db/repositories/flow-publication-store";
import type { NodeRedNode } from "../../../runtime/adapters/node-red/flow-format";
import { FlowSync } from "../../../runtime/flow-bridge/flow-sync";
import { createLogger } from "../../../runtime/observability/logger";
import { startTestRuntime, TEST_CREDENTIAL_SECRET, type TestRuntime } from "../../helpers/runtime";

const fixture = path.resolve(__dirname, "../../fixtures/runtime/echo");
const lines: Record<string, unknown>[] = [];
let t: TestRuntime;
let api: FlowSync;
let older: string;
let captured: Record<string, string>;
let publications: SequelizeFlowPublications;

/** The echo flow with its change node setting `payload` to `text` instead of upper-casing. */
function echoing(original: NodeRedNode[], text: string): NodeRedNode[] {
  return original.map((n) =>
    n.type === "change"
      ? { ...n, rules: [{ t: "set", p: "payload", pt: "msg", to: text, tot: "str" }] }
      : n,
  );
}

beforeAll(async () => {
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const original = (await import(path.join(fixture, "flows/echo.json"))).default as NodeRedNode[];
  t = await startTestRuntime(fixture, {
    role: "worker",
    editor: false,
    log: createLogger({ level: "info", destination }),
    // Before the worker starts: the api published a set, then a newer one; whoever can write
    // Redis kept the first (validly signed) and writes it back.
    beforeStart: async (redis, db) => {
      const key = `${redis.prefix}chatia:flows`;
      publications = new SequelizeFlowPublications(db.sequelize);
      api = new FlowSync(redis.redis, redis.prefix.replace(/:$/, ""), {
        secret: TEST_CREDENTIAL_SECRET,
        publications,
      });
      older = await api.publish(echoing(original, "older"));
      captured = await redis.redis.hgetall(key);
      await api.publish(echoing(original, "newer"));
      await redis.redis.del(key);
      await redis.redis.hset(key, captured);
    },
  });
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

const runEcho = async () =>
  (await t.runtime.queues.enqueue("TestQueue", "Echo", { text: "hi" })).finished();

describe("a worker that starts on a replayed flow set", () => {
  it("refuses it, saying it is older than the api's newest, and runs its flow files", async () => {
    const refused = lines.filter(
      (l) => l.msg === "deployed flows refused; running the flow files instead",
    );
    expect(refused.map((l) => l.code)).toEqual(["CF_FLOW_SIGNATURE"]);
    expect(String((refused[0]?.err as { message?: string } | undefined)?.message)).toMatch(
      new RegExp(`rev ${older}, published .*\\) are older than the newest the api recorded`),
    );
    expect(lines.some((l) => l.msg === "deployed flows loaded" && l.rev === older)).toBe(false);
    await expect(runEcho()).resolves.toBe("HI");
  });

  it("applies the api's next publish", async () => {
    const original = (await import(path.join(fixture, "flows/echo.json"))).default as NodeRedNode[];
    const rev = await api.publish(echoing(original, "after"));
    await expect
      .poll(() => lines.some((l) => l.msg === "deployed flows loaded" && l.rev === rev), {
        timeout: 20_000,
      })
      .toBe(true);
    await expect(runEcho()).resolves.toBe("after");
  });

  it("has an api restarted with the replayed set's flows publish them anew", async () => {
    const key = `${t.config.prefix}:chatia:flows`;
    await t.redis.redis.del(key);
    await t.redis.redis.hset(key, captured);
    // A new process (its own memory empty): only the record says that set is old.
    const restarted = new FlowSync(t.redis.redis, t.config.prefix, {
      secret: TEST_CREDENTIAL_SECRET,
      publications,
    });
    const original = (await import(path.join(fixture, "flows/echo.json"))).default as NodeRedNode[];
    expect(await restarted.publish(echoing(original, "older"))).toBe(older);
    await expect
      .poll(() => lines.some((l) => l.msg === "deployed flows loaded" && l.rev === older), {
        timeout: 20_000,
      })
      .toBe(true);
    await expect(runEcho()).resolves.toBe("older");
  });
});
