// Deploys through the admin API, as scripts and the editor send them, checked as a whole before
// anything happens: a partial ("nodes") deploy with a bad setting, or one that takes a job's
// `job out` away, is refused with a message naming the flow, the node and the setting; the flow
// file, the running flows and the copy published to workers stay as they were.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../runtime/observability/logger";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

const fixture = path.resolve(__dirname, "../../fixtures/runtime/behaviours");
let t: TestRuntime;
let headers: Record<string, string>;
/** The runtime's log lines at warn and above, parsed. */
const warnings: { msg: string }[] = [];
const destination = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split("\n").filter(Boolean))
      warnings.push(JSON.parse(line));
    done();
  },
});

beforeAll(async () => {
  t = await startTestRuntime(fixture, { log: createLogger({ level: "warn", destination }) });
  const response = await fetch(`${t.runtime.url}/flows/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_id: "node-red-admin",
      grant_type: "password",
      scope: "*",
      username: "admin",
      password: t.config.admin.password,
    }),
  });
  const { access_token } = (await response.json()) as { access_token: string };
  headers = {
    authorization: `Bearer ${access_token}`,
    "node-red-api-version": "v2",
    "content-type": "application/json",
  };
});
afterAll(async () => {
  await t?.stop();
});

type Flows = { flows: Record<string, unknown>[]; rev: string };

async function current(): Promise<Flows> {
  return (await (await fetch(`${t.runtime.url}/flows/flows`, { headers })).json()) as Flows;
}

async function deploy(
  type: string,
  edit: (flows: Record<string, unknown>[]) => Record<string, unknown>[],
) {
  const { flows, rev } = await current();
  const response = await fetch(`${t.runtime.url}/flows/flows`, {
    method: "POST",
    headers: { ...headers, "node-red-deployment-type": type },
    body: JSON.stringify({ flows: edit(flows), rev }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const published = () => t.redis.redis.hget(`${t.config.prefix}:chatia:flows`, "rev");
const slowFile = () => readFile(path.join(t.config.flowsDir, "slow.json"), "utf8");

describe("deploys through the admin API", () => {
  it("refuses a partial deploy with a bad setting whole, naming the flow, node and setting", async () => {
    const [file, rev, running] = [await slowFile(), await published(), await current()];
    const result = await deploy("nodes", (flows) =>
      flows.map((n) => (n.id === "slow-out" ? { ...n, mode: "explode" } : n)),
    );
    expect(result).toEqual({
      status: 400,
      body: {
        code: "CF_FLOW_DEPLOY_REFUSED",
        message:
          "deploy refused, nothing was saved: flow slow, node slow-out (job out): setting 'mode' must be one of complete, fail, got \"explode\"",
      },
    });
    expect(await slowFile()).toBe(file);
    expect(await published()).toBe(rev);
    expect((await current()).rev).toBe(running.rev);
    const job = await t.runtime.queues.enqueue("TestQueue", "Slow", { ms: 10 });
    await expect(job.finished()).resolves.toBe("slept");
    // Logged once, as the operator's mistake it is: no stack trace.
    expect(warnings.map((l) => l.msg).filter((m) => m.includes("deploy refused"))).toEqual([
      expect.stringMatching(/^Error saving flows: deploy refused, nothing was saved: flow slow, /),
    ]);
  });

  it("refuses a full deploy that leaves a job's flow without its job out", async () => {
    const file = await slowFile();
    const result = await deploy("full", (flows) => flows.filter((n) => n.id !== "slow-out"));
    expect(result.status).toBe(400);
    expect(result.body.message).toBe(
      'deploy refused, nothing was saved: flow file flows/slow.json (of TestQueue/Slow) has no "job out" node; add a "job out" node where the flow ends, so that runs of TestQueue/Slow complete',
    );
    expect(await slowFile()).toBe(file);
  });

  it("writes and publishes a valid change of one flow", async () => {
    const rev = await published();
    const result = await deploy("flows", (flows) =>
      flows.map((n) => (n.id === "slow-result" ? { ...n, name: "the result" } : n)),
    );
    expect(result.status).toBe(200);
    expect(await slowFile()).toContain('"name": "the result"');
    expect(await published()).not.toBe(rev);
  });
});
