// Workers run only the flows the api published, signed: a flow written straight into Redis, unsigned
// or signed with another secret, is refused and logged, and the worker keeps running what it ran; a
// flow the api signed is applied. Also what a worker checks of signed flows (installed node types).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeRedNode } from "../../../runtime/adapters/node-red/flow-format";
import { FlowSync } from "../../../runtime/flow-bridge/flow-sync";
import { createLogger } from "../../../runtime/observability/logger";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

const fixture = path.resolve(__dirname, "../../fixtures/runtime/echo");
const lines: Record<string, unknown>[] = [];
let t: TestRuntime;
let original: NodeRedNode[];

beforeAll(async () => {
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  original = (await import(path.join(fixture, "flows/echo.json"))).default as NodeRedNode[];
  // A worker alone: it loads and follows what is published in Redis. Before it starts, an
  // intruder has written unsigned flows there.
  t = await startTestRuntime(fixture, {
    role: "worker",
    editor: false,
    log: createLogger({ level: "info", destination }),
    beforeStart: async (redis) => {
      const key = `${redis.prefix}chatia:flows`;
      await redis.redis.hset(key, "rev", "intruder0", "flows", JSON.stringify(echoing("pwned")));
    },
  });
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

const key = () => `${t.config.prefix}:chatia:flows`;

/** The echo flow with its change node setting `payload` to `text` instead of upper-casing. */
function echoing(text: string): NodeRedNode[] {
  return original.map((n) =>
    n.type === "change"
      ? { ...n, rules: [{ t: "set", p: "payload", pt: "msg", to: text, tot: "str" }] }
      : n,
  );
}

async function runEcho(): Promise<unknown> {
  const job = await t.runtime.queues.enqueue("TestQueue", "Echo", { text: "hi" });
  return job.finished();
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Writes flows into Redis as an intruder would: the key and the channel, with `sig` as given. */
async function writeRaw(flows: NodeRedNode[], rev: string, sig?: string): Promise<void> {
  const fields = ["rev", rev, "flows", JSON.stringify(flows), ...(sig ? ["sig", sig] : [])];
  await t.redis.redis.del(key());
  await t.redis.redis.hset(key(), ...fields);
  await t.redis.redis.publish(key(), rev);
}

/** The error messages of the refusals logged with `code`, in order. */
const refusals = (code: string): string[] =>
  lines
    .filter((l) => l.msg === "deployed flows refused; the running flows stay" && l.code === code)
    .map((l) => String((l.err as { message?: unknown } | undefined)?.message));

/** How many times the worker loaded the flows of revision `rev`. */
const loaded = (rev: string): number =>
  lines.filter((l) => l.msg === "deployed flows loaded" && l.rev === rev).length;

/** Publishes as the api does and waits for the worker to load the set; resolves to its revision. */
async function publishAndWait(api: FlowSync, flows: NodeRedNode[]): Promise<string> {
  const before = new Map<string, number>();
  for (const l of lines) if (typeof l.rev === "string") before.set(l.rev, loaded(l.rev));
  const rev = await api.publish(flows);
  await until(`the deploy of ${rev}`, () => loaded(rev) > (before.get(rev) ?? 0));
  return rev;
}

describe("flows published through Redis", () => {
  it("a worker that finds unsigned flows at start refuses them and runs its flow files", async () => {
    const refused = lines.filter(
      (l) => l.msg === "deployed flows refused; running the flow files instead",
    );
    expect(refused.map((l) => l.code)).toEqual(["CF_FLOW_SIGNATURE"]);
    await expect(runEcho()).resolves.toBe("HI");
  });

  it("refuses unsigned flows, logs CF_FLOW_SIGNATURE, and keeps running its own", async () => {
    await writeRaw(echoing("pwned"), "intruder1");
    await until("the refusal", () => refusals("CF_FLOW_SIGNATURE").length === 1);
    expect(refusals("CF_FLOW_SIGNATURE")[0]).toMatch(/rev intruder1\) are not signed: refused/);
    await expect(runEcho()).resolves.toBe("HI");
  });

  it("refuses flows signed with another secret", async () => {
    const forger = new FlowSync(t.redis.redis, t.config.prefix, {
      secret: "another-secret-0123456789",
    });
    await forger.publish(echoing("forged"));
    await until("the refusal", () => refusals("CF_FLOW_SIGNATURE").length === 2);
    expect(refusals("CF_FLOW_SIGNATURE")[1]).toMatch(/have a bad signature/);
    await expect(runEcho()).resolves.toBe("HI");
  });

  it("applies flows the api signed, and leaves its flow files as they are", async () => {
    const files = () => readFile(path.join(t.dir, "flows/echo.json"), "utf8");
    const before = await files();
    const api = new FlowSync(t.redis.redis, t.config.prefix, { secret: t.config.credentialSecret });
    const rev = await api.publish(echoing("signed"));
    await until("the deploy", () =>
      lines.some((l) => l.msg === "deployed flows loaded" && l.rev === rev),
    );
    await expect(runEcho()).resolves.toBe("signed");
    // The api wrote the deploy to its flows/; a worker's (perhaps the same folder) stays as reviewed.
    expect(await files()).toBe(before);
  });

  it("refuses an older signed set written back (a replay) and keeps the newer flows", async () => {
    const api = new FlowSync(t.redis.redis, t.config.prefix, { secret: t.config.credentialSecret });
    const older = await publishAndWait(api, echoing("older"));
    // Whoever can read and write Redis keeps a copy of this validly signed set...
    const captured = await t.redis.redis.hgetall(key());
    await publishAndWait(api, echoing("newer"));
    await expect(runEcho()).resolves.toBe("newer");
    // ...and writes it back once the operator deployed something newer.
    await t.redis.redis.del(key());
    await t.redis.redis.hset(key(), captured);
    await t.redis.redis.publish(key(), older);
    await until(
      "the refusal",
      () => refusals("CF_FLOW_SIGNATURE").length === 3 || loaded(older) > 1,
    );
    expect(loaded(older), "the replayed set was loaded again").toBe(1);
    expect(refusals("CF_FLOW_SIGNATURE")[2]).toMatch(
      new RegExp(
        `rev ${older}, published [0-9T:.Z-]+\\) are older than the flows this worker has seen \\(published [0-9T:.Z-]+\\)`,
      ),
    );
    await expect(runEcho()).resolves.toBe("newer");
    // The operator reverting to those very flows is a new publish, which workers apply.
    expect(await publishAndWait(api, echoing("older"))).toBe(older);
    await expect(runEcho()).resolves.toBe("older");
    await publishAndWait(api, echoing("newer"));
  });

  it("refuses a signed set whose sequence number was raised (the number is signed)", async () => {
    const captured = await t.redis.redis.hgetall(key());
    expect(captured.seq).toMatch(/^\d+$/);
    const raised = String(Number(captured.seq) + 86_400_000);
    // The same flows and signature, a later number: a replay made to look newer.
    await t.redis.redis.hset(key(), "seq", raised);
    await t.redis.redis.publish(key(), raised);
    await until("the refusal", () => refusals("CF_FLOW_SIGNATURE").length === 4);
    expect(refusals("CF_FLOW_SIGNATURE")[3]).toMatch(/have a bad signature/);
    await expect(runEcho()).resolves.toBe("newer");
  });

  it("applies what the api publishes after Redis lost the flows (a newer set still)", async () => {
    const api = new FlowSync(t.redis.redis, t.config.prefix, { secret: t.config.credentialSecret });
    await t.redis.redis.del(key());
    await publishAndWait(api, echoing("after a flush"));
    await expect(runEcho()).resolves.toBe("after a flush");
    await publishAndWait(api, echoing("signed"));
    await expect(runEcho()).resolves.toBe("signed");
  });

  it("refuses signed flows with a node this worker does not run (exec is left out)", async () => {
    const api = new FlowSync(t.redis.redis, t.config.prefix, { secret: t.config.credentialSecret });
    const tab = original[0]?.id ?? "";
    const exec = { id: "e00000000000ee", type: "exec", z: tab, command: "id", wires: [[], [], []] };
    await api.publish([...echoing("with exec"), exec]);
    await until("the refusal", () => refusals("CF_FLOW_INVALID").length === 1);
    expect(refusals("CF_FLOW_INVALID")[0]).toMatch(
      /node e00000000000ee \(exec\) has a type this worker does not run/,
    );
    await expect(runEcho()).resolves.toBe("signed");
  });

  it("refuses signed flows that fail validate's checks against its manifest (no job out)", async () => {
    const api = new FlowSync(t.redis.redis, t.config.prefix, { secret: t.config.credentialSecret });
    await api.publish(echoing("no end").filter((n) => n.type !== "job out"));
    await until("the refusal", () => refusals("CF_FLOW_INVALID").length === 2);
    expect(refusals("CF_FLOW_INVALID")[1]).toMatch(
      /flow file flows\/echo\.json \(of TestQueue\/Echo\) has no "job out" node/,
    );
    await expect(runEcho()).resolves.toBe("signed");
  });

  // Checked as a deploy is (checkDeploy), except that a job whose flow the set lacks passes: the
  // api may hold it as declared, not handled, which the worker cannot tell. Last: Echo has no flow after.
  it("applies signed flows that lack the flow of a job (declared, not handled on the api)", async () => {
    const api = new FlowSync(t.redis.redis, t.config.prefix, { secret: t.config.credentialSecret });
    const other = [
      { id: "a0000000000001", type: "tab", label: "other", disabled: false, info: "" },
    ];
    const rev = await api.publish(other);
    await until("the deploy", () =>
      lines.some((l) => l.msg === "deployed flows loaded" && l.rev === rev),
    );
    expect(refusals("CF_FLOW_INVALID")).toHaveLength(2);
  });
});
