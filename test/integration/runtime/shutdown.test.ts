// SIGTERM: the process takes no new jobs, lets the active one finish, closes everything and exits
// 0; a second SIGTERM exits at once.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QueueRuntime } from "../../../runtime/queues/queue-runtime";
import { startProcess } from "../../helpers/process";
import { type ProcessProject, processProject } from "../../helpers/process-project";

const fixture = path.resolve(__dirname, "../../fixtures/runtime/behaviours");
let project: ProcessProject;
let queues: QueueRuntime;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  project = await processProject(fixture, "shutdown");
  queues = project.queues;
  env = { ...project.env, SHUTDOWN_GRACE_MS: "10000" };
});
afterAll(async () => {
  await project?.cleanup();
});

describe("graceful shutdown", () => {
  it("finishes the job in flight, then exits 0; jobs not started stay waiting", async () => {
    const proc = startProcess(["start", "--port", "0", "--no-editor"], env);
    await proc.waitFor(/chatia-flow all running/);
    const inFlight = await queues.enqueue("TestQueue", "Slow", { ms: 1000 });
    await waitUntil(async () => (await inFlight.getState()) === "active");
    proc.child.kill("SIGTERM");
    await proc.waitFor(/taking no new jobs/);
    const later = await queues.enqueue("TestQueue", "Slow", { ms: 10 });
    expect(await proc.exited()).toBe(0);
    expect(proc.output()).toMatch(/"msg":"stopped"/);
    expect(await inFlight.finished()).toBe("slept");
    expect(await (await queues.queue("TestQueue").bull.getJob(later.id))?.getState()).toBe(
      "waiting",
    );
  });

  it("exits at once on a second SIGTERM", async () => {
    const proc = startProcess(["start", "--port", "0", "--no-editor"], env);
    await proc.waitFor(/chatia-flow all running/);
    const long = await queues.enqueue("TestQueue", "Slow", { ms: 60_000 });
    await waitUntil(async () => (await long.getState()) === "active");
    proc.child.kill("SIGTERM");
    await proc.waitFor(/taking no new jobs/);
    const sent = Date.now();
    proc.child.kill("SIGTERM");
    expect(await proc.exited()).toBe(1);
    expect(Date.now() - sent).toBeLessThan(2000);
    expect(proc.output()).toContain("second signal: exiting now");
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
