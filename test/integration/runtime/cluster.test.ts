// One api process and one worker process: the worker runs the jobs; a deploy in the api's editor
// reaches the worker without a restart, and the api writes it to flows/.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QueueRuntime } from "../../../runtime/queues/queue-runtime";
import { deployEdited, editorToken } from "../../helpers/editor";
import { type RunningProcess, startProcess } from "../../helpers/process";
import { type ProcessProject, processProject } from "../../helpers/process-project";

const fixture = path.resolve(__dirname, "../../fixtures/runtime/echo");
/** The admin password processProject gives the processes. */
const password = "cluster-test-password";
let project: ProcessProject;
let dir: string;
let queues: QueueRuntime;
let api: RunningProcess;
let worker: RunningProcess;
let apiUrl: string;

beforeAll(async () => {
  project = await processProject(fixture, "cluster");
  ({ queues, dir } = project);
  const { env } = project;
  api = startProcess(["start", "--role", "api", "--port", "0"], {
    ...env,
    CHATIA_DATA_DIR: path.join(dir, ".api"),
  });
  [, apiUrl = ""] = await api.waitFor(/running at (http:\/\/\S+)/, 60_000);
  worker = startProcess(["start", "--role", "worker"], {
    ...env,
    CHATIA_DATA_DIR: path.join(dir, ".worker"),
  });
  await worker.waitFor(/chatia-flow worker running/, 60_000);
}, 120_000);

afterAll(async () => {
  for (const p of [api, worker]) p?.child.kill("SIGTERM");
  await Promise.all([api?.exited(), worker?.exited()]);
  await project?.cleanup();
});

async function echo(text: string): Promise<unknown> {
  const job = await queues.enqueue("TestQueue", "Echo", { text });
  return job.finished();
}

describe("an api and a worker", () => {
  it("the worker runs the jobs", async () => {
    await expect(echo("olá")).resolves.toBe("OLÁ");
    expect(worker.output()).not.toMatch(/"level":50/);
  });

  it("a deploy in the api's editor reaches the worker without a restart", async () => {
    const token = await editorToken(apiUrl, password);
    await deployEdited(apiUrl, token, (flows) => {
      const change = flows.find((n) => n.id === "e0000000000003") as
        | { rules?: { to: string }[] }
        | undefined;
      if (!change?.rules?.[0]) throw new Error("the echo flow has no change node");
      change.rules[0].to = "$lowercase(payload.text)";
    });
    await worker.waitFor(/deployed flows loaded/, 15_000);
    await expect(echo("OLÁ")).resolves.toBe("olá");
    expect(await readFile(path.join(dir, "flows", "echo.json"), "utf8")).toContain(
      "$lowercase(payload.text)",
    );
  });
});
