// `chatia-flow start` with a flow the editor can mend: the runtime starts anyway, editor and admin
// surfaces included, without running the job whose flow is broken, and says in its log what is
// wrong and what to do; `validate` still reports the problem; a deploy from the editor that mends
// the flow makes the job run. Run as an operator would: the built command, a real Postgres, Redis
// and Node-RED, deploys through the editor's admin API.
import { appendFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../runtime/compile";
import { loadManifest } from "../../runtime/manifest";
import { QueueRuntime } from "../../runtime/queues/queue-runtime";
import { runCli } from "../helpers/cli";
import { editorToken, tryDeploy } from "../helpers/editor";
import { type RunningProcess, startProcess } from "../helpers/process";
import { type ProcessProject, processProject } from "../helpers/process-project";
import type { TestRedis } from "../helpers/redis";

const fixture = path.resolve(__dirname, "../fixtures/runtime/echo");
const PASSWORD = "broken-flow-test-password";
let project: ProcessProject;
let dir: string;
let redis: TestRedis;
let queues: QueueRuntime;
let env: NodeJS.ProcessEnv;
let goodEcho: Record<string, unknown>[];

beforeAll(async () => {
  project = await processProject(fixture, "broken-flow");
  ({ dir, redis, queues, env } = project);
  goodEcho = JSON.parse(await readFile(path.join(dir, "flows/echo.json"), "utf8"));
}, 60_000);
afterAll(async () => {
  await project?.cleanup();
});

/** Starts `chatia-flow start` with the editor; resolves to the process and its base URL. */
async function start(): Promise<{ proc: RunningProcess; url: string }> {
  const proc = startProcess(["start", "--port", "0"], env);
  const [, url] = await proc.waitFor(/chatia-flow all running at (http:\/\/\S+)/, 90_000);
  return { proc, url: url ?? "" };
}

async function stop(proc: RunningProcess): Promise<void> {
  if (proc.child.exitCode === null) proc.child.kill("SIGTERM");
  await proc.exited();
}

/** Runs a TestQueue/Echo job through the running process; resolves to its result. */
async function echo(text: string): Promise<unknown> {
  const job = await queues.enqueue("TestQueue", "Echo", { text });
  return job.finished();
}

describe("chatia-flow start with a flow the editor can mend", () => {
  it("a flow file that does not load: the editor is served, the job held, a deploy mends it", {
    timeout: 180_000,
  }, async () => {
    await writeFile(path.join(dir, "flows/echo.json"), '[{ "id": "e1", "type": "tab", \n');
    const check = runCli(["validate", path.join(dir, "jobs.yaml")]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/flow file flows\/echo\.json:\d+:\d+ \(of TestQueue\/Echo\)/);

    const { proc, url } = await start();
    try {
      // What is wrong, and what to do, in the log.
      expect(proc.output()).toMatch(
        /TestQueue\/Echo is not run until these flow problems are mended: .*flows\/echo\.json.*; mend the flow in the editor and deploy, and the job runs/,
      );
      await proc.waitFor(
        new RegExp(
          `not running TestQueue/Echo until their flows are mended: open the editor at ${url}/flows/`,
        ),
      );
      // The editor and the admin surfaces answer.
      expect((await fetch(`${url}/flows/`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const token = await editorToken(url, PASSWORD);
      const jobs = (await (
        await fetch(`${url}/flows/chatia/jobs`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { key: string; flowMissing: boolean; flowProblems: string[] }[];
      const held = jobs.find((j) => j.key === "TestQueue/Echo");
      expect(held?.flowMissing).toBe(true);
      expect(held?.flowProblems.join("\n")).toMatch(/flows\/echo\.json/);

      // A run of the held job is refused, saying why.
      const run = await fetch(`${url}/flows/chatia/jobs-panel/TestQueue/Echo/run`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ payload: { text: "refused" } }),
      });
      expect(run.status).toBe(409);
      await expect(run.json()).resolves.toMatchObject({
        code: "CF_JOB_NOT_HANDLED",
        message: expect.stringMatching(
          /^job TestQueue\/Echo is not handled until these flow problems are mended: .*flows\/echo\.json.*; mend the flow in the editor and deploy$/,
        ),
      });

      // The operator deploys the flow again (as the jobs tab's Create handler, or an import, would).
      const deployed = await tryDeploy(url, token, (flows) => {
        flows.push(...goodEcho);
      });
      expect(deployed.status).toBe(200);
      await proc.waitFor(/jobs\.yaml reloaded/, 30_000);
      await expect(echo("mended")).resolves.toBe("MENDED");
      expect(flowProblemsOf(path.join(dir, "jobs.yaml"))).toEqual([]);
    } finally {
      await stop(proc);
    }
  });

  it("two job in for one job: the job is held until a deploy removes the second", {
    timeout: 180_000,
  }, async () => {
    await writeFile(path.join(dir, "flows/echo.json"), JSON.stringify(goodEcho, null, 2));
    // A second flow, named by no job, whose job in would take TestQueue/Echo over.
    const stray = [
      { id: "s0000000000001", type: "tab", label: "stray", disabled: false, info: "" },
      {
        id: "s0000000000002",
        type: "job in",
        z: "s0000000000001",
        name: "",
        queue: "TestQueue",
        job: "Echo",
        x: 120,
        y: 80,
        wires: [["s0000000000003"]],
      },
      {
        id: "s0000000000003",
        type: "job out",
        z: "s0000000000001",
        name: "",
        mode: "complete",
        property: "payload",
        retry: true,
        x: 300,
        y: 80,
        wires: [],
      },
    ];
    await writeFile(path.join(dir, "flows/stray.json"), JSON.stringify(stray, null, 2));
    expect(flowProblemsOf(path.join(dir, "jobs.yaml"))).toEqual([
      expect.stringMatching(
        /^flow stray, node \S+ \(job in\): handles TestQueue\/Echo, which flow echo handles already/,
      ),
    ]);

    const { proc, url } = await start();
    try {
      expect(proc.output()).toMatch(
        /TestQueue\/Echo is not run until these flow problems are mended: .*stray.*; mend the flow in the editor and deploy/,
      );
      const job = await queues.enqueue("TestQueue", "Echo", { text: "waits" });
      const token = await editorToken(url, PASSWORD);
      const deployed = await tryDeploy(url, token, (flows) => {
        for (let i = flows.length - 1; i >= 0; i--) {
          const node = flows[i] as { id: string; z?: string };
          if (node.id === "s0000000000001" || node.z === "s0000000000001") flows.splice(i, 1);
        }
      });
      expect(deployed.status).toBe(200);
      // The job enqueued while it was held runs once the flow is mended, through the echo flow.
      await expect(job.finished()).resolves.toBe("WAITS");
      await expect(echo("again")).resolves.toBe("AGAIN");
    } finally {
      await stop(proc);
    }
  });

  it("a node type Node-RED does not have (no flow runs then): every job is held until a deploy removes it", {
    timeout: 180_000,
  }, async () => {
    // A second job, so that one held for another flow's node is seen.
    await appendFile(
      path.join(dir, "jobs.yaml"),
      "      Echo2:\n        flow: echo2\n        payload: echo.schema.json\n        timeout: 5000\n",
    );
    const echo2 = JSON.parse(
      JSON.stringify(goodEcho)
        .replace(/e00000000000/g, "f00000000000")
        .replace(/"Echo"/, '"Echo2"'),
    ) as Record<string, unknown>[];
    (echo2[0] as { label: string }).label = "echo2";
    await writeFile(path.join(dir, "flows/echo2.json"), JSON.stringify(echo2, null, 2));
    const unknown = {
      id: "e0000000000009",
      type: "no-such-node",
      z: "e0000000000001",
      x: 300,
      y: 160,
      wires: [],
    };
    await writeFile(path.join(dir, "flows/echo.json"), JSON.stringify([...goodEcho, unknown]));
    expect(runCli(["validate", path.join(dir, "jobs.yaml")]).stdout).toMatch(
      /flows\/echo\.json \(of TestQueue\/Echo\): node e0000000000009 \(no-such-node\) has a type that is not installed/,
    );
    const both = await QueueRuntime.open(compile(await loadManifest(path.join(dir, "jobs.yaml"))), {
      url: redis.url,
      prefix: redis.prefix.slice(0, -1),
    });
    const { proc, url } = await start();
    try {
      for (const job of ["TestQueue/Echo", "TestQueue/Echo2"])
        expect(proc.output()).toMatch(
          new RegExp(
            `${job} is not run until these flow problems are mended: .*no-such-node\\) has a type that is not installed`,
          ),
        );
      const waiting = await both.enqueue("TestQueue", "Echo2", { text: "held" });
      const token = await editorToken(url, PASSWORD);
      const deployed = await tryDeploy(url, token, (flows) => {
        const at = flows.findIndex((n) => n.id === unknown.id);
        if (at !== -1) flows.splice(at, 1);
      });
      expect(deployed.status).toBe(200);
      await expect(waiting.finished()).resolves.toBe("HELD");
      await expect(echo("runs")).resolves.toBe("RUNS");
    } finally {
      await stop(proc);
      await both.close();
    }
  });

  it("a problem of a flow no job names holds no job: it is logged as a warning, the jobs run", {
    timeout: 180_000,
  }, async () => {
    await writeFile(path.join(dir, "flows/echo.json"), JSON.stringify(goodEcho, null, 2));
    const helper = [
      { id: "h0000000000001", type: "tab", label: "helper", disabled: false, info: "" },
      {
        id: "h0000000000002",
        type: "job out",
        z: "h0000000000001",
        name: "odd",
        mode: "sideways",
        property: "payload",
        x: 120,
        y: 80,
        wires: [],
      },
    ];
    await writeFile(path.join(dir, "flows/helper.json"), JSON.stringify(helper, null, 2));
    expect(runCli(["validate", path.join(dir, "jobs.yaml")]).stdout).toMatch(
      /flow file flows\/helper\.json: node "odd" \(h0000000000002, job out\): setting "mode" must be one of complete, fail/,
    );
    const { proc } = await start();
    try {
      expect(proc.output()).toMatch(
        /"level":40,.*flow file flows\/helper\.json: node \\"odd\\" .*setting \\"mode\\" must be one of/,
      );
      expect(proc.output()).not.toMatch(/is not run until these flow problems are mended/);
      await expect(echo("free")).resolves.toBe("FREE");
    } finally {
      await stop(proc);
    }
  });
});

/**
 * The problems `validate` reports about flows (this test's manifest holds only TestQueue, so
 * validate also asks for the jobs the runtime's services add: those are left out here).
 */
function flowProblemsOf(manifest: string): string[] {
  const result = runCli(["validate", "--format", "json", manifest]);
  const { problems } = JSON.parse(result.stdout) as {
    problems: { code: string; message: string }[];
  };
  return problems.filter((p) => p.code === "CF_FLOW_INVALID").map((p) => p.message);
}
