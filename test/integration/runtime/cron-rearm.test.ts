// A cron trigger whose next run was removed or cleaned never fires again although Bull still lists
// it. Here ScheduleMonitor/Verify of the repository's jobs.yaml (scheduled messages of every
// company hang on it) loses its run to a super-admin's remove, then to a clean: `plan` reports the
// drift (exit 2), and `apply`, a hot reload and a restart each re-arm it.
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../../runtime/cli/commands/db";
import { runCli } from "../../helpers/cli";
import { type RunningProcess, startProcess } from "../../helpers/process";
import { repoFixture } from "../../helpers/repo-fixture";
import { testRows } from "../../helpers/rows";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

const PASSWORD = "rearm-password-123";
let t: TestRuntime;
/** Where the API answers: the test's runtime, then the restarted process. */
let url = "";
let restarted: RunningProcess | undefined;
let superToken = "";

async function call(route: string, init: RequestInit = {}) {
  const request = () =>
    fetch(`${url}${route}`, {
      ...init,
      headers: { authorization: `Bearer ${superToken}`, "content-type": "application/json" },
    });
  // The CLI runs synchronously (spawnSync), holding this process: the server may have closed the
  // kept-alive connection meanwhile, which the next request then meets as a reset.
  const res = await request().catch((err: { cause?: { code?: string } }) => {
    if (err.cause?.code !== "ECONNRESET") throw err;
    return request();
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The pending runs (`repeat:*` jobs) of a queue (ScheduleMonitor), as the API lists them. */
async function pendingRuns(queue = "ScheduleMonitor"): Promise<string[]> {
  const ids: string[] = [];
  for (const state of ["delayed", "waiting", "active"]) {
    const res = await call(`/api/queues/${queue}/jobs?state=${state}&pageSize=100`);
    ids.push(...(res.body.jobs as { id: string }[]).map((j) => j.id));
  }
  return ids.filter((id) => id.startsWith("repeat:"));
}

const cli = (command: "plan" | "apply") =>
  runCli([command, t.config.manifestFile], {
    env: { REDIS_URL: t.config.redisUrl, REDIS_PREFIX: t.config.prefix },
  });

beforeAll(async () => {
  t = await startTestRuntime(await repoFixture(), { role: "api", editor: false });
  url = t.runtime.url ?? "";
  const rows = testRows(t.db.sequelize);
  const companyId = (await rows.insert("Companies", { name: "Ops" })).id;
  await rows.insert("Users", {
    name: "Root",
    email: "root@ops.test",
    passwordHash: await hashPassword(PASSWORD),
    profile: "admin",
    companyId,
    super: true,
  });
  const res = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "root@ops.test", password: PASSWORD }),
  });
  superToken = ((await res.json()) as { accessToken: string }).accessToken;
}, 60_000);

afterAll(async () => {
  if (restarted) {
    restarted.child.kill("SIGTERM");
    await restarted.exited();
  } else await t?.runtime.stop();
  await t?.redis.cleanup();
  await t?.db.drop();
  if (t) await rm(path.dirname(t.config.manifestFile), { recursive: true, force: true });
});

describe("a ScheduleMonitor trigger without its next run", () => {
  it("is drift for plan (exit 2) and is re-armed by apply", async () => {
    const [run] = await pendingRuns();
    expect(run).toBeDefined();
    expect(cli("plan").code).toBe(0);
    const removed = await call(`/api/queues/ScheduleMonitor/jobs/${run}/remove`, {
      method: "POST",
    });
    expect(removed.status).toBe(200);
    expect(await pendingRuns()).toEqual([]);

    const planned = cli("plan");
    expect(planned.code).toBe(2);
    expect(planned.stdout).toContain(
      '~ ScheduleMonitor/Verify  cron "0 * * * * *" (UTC)  has no pending next run: re-arm',
    );
    const api = await call("/api/plan");
    expect(api.body.rearm).toEqual([expect.objectContaining({ queue: "ScheduleMonitor" })]);

    const applied = cli("apply");
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("ScheduleMonitor/Verify");
    expect(applied.stdout).toContain("re-armed");
    expect(await pendingRuns()).toHaveLength(1);
    expect(cli("plan").code).toBe(0);
  });

  it("is re-armed by a hot reload after a clean of the delayed set", async () => {
    const cleaned = await call("/api/queues/ScheduleMonitor/clean", {
      method: "POST",
      body: JSON.stringify({ state: "delayed" }),
    });
    expect(cleaned.body.removed).toEqual([expect.stringMatching(/^repeat:/)]);
    expect(await pendingRuns()).toEqual([]);
    expect((await t.runtime.reload()).applied).toBe(true);
    expect(await pendingRuns()).toHaveLength(1);
  });

  // Bull's empty() drops the delayed set but keeps the runs' hashes: a trigger added again before
  // its lost run's time gets that run's id, which Bull takes for a job it has. SessionMonitor's run
  // is a day away (always the same id within the test); ScheduleMonitor's within the minute.
  it("is re-armed by apply and by a hot reload after Bull Board empties its queue", async () => {
    for (const [queue, rearm] of [
      ["SessionMonitor", async () => expect(cli("apply").code).toBe(0)],
      ["ScheduleMonitor", async () => expect((await t.runtime.reload()).applied).toBe(true)],
    ] as const) {
      expect(await pendingRuns(queue)).toHaveLength(1);
      const emptied = await call(`/admin/queues/api/queues/${queue}/empty`, { method: "PUT" });
      expect(emptied.status, queue).toBe(200);
      expect(await pendingRuns(queue)).toEqual([]);
      const planned = cli("plan");
      expect(planned.code, queue).toBe(2);
      expect(planned.stdout).toContain(`~ ${queue}/`);
      await rearm();
      expect(await pendingRuns(queue), queue).toHaveLength(1);
      expect(cli("plan").code, queue).toBe(0);
    }
  });

  it("is re-armed by a restart", async () => {
    const [run] = await pendingRuns();
    await call(`/api/queues/ScheduleMonitor/jobs/${run}/remove`, { method: "POST" });
    expect(await pendingRuns()).toEqual([]);
    await t.runtime.stop();
    // A new api process on the same Redis and database, as an operator's restart.
    restarted = startProcess(["start", "--role", "api", "--no-editor", "--port", "0"], {
      DATABASE_URL: t.config.databaseUrl,
      REDIS_URL: t.config.redisUrl,
      REDIS_PREFIX: t.config.prefix,
      CHATIA_MANIFEST: t.config.manifestFile,
      CHATIA_FLOWS_DIR: t.config.flowsDir,
      CHATIA_DATA_DIR: t.config.userDir,
      NODE_RED_CREDENTIAL_SECRET: t.config.credentialSecret,
      CHATIA_JWT_SECRET: t.config.jwtSecret,
    });
    [, url = ""] = await restarted.waitFor(/running at (http:\/\/\S+)/, 60_000);
    expect(restarted.output()).toContain("ScheduleMonitor/Verify");
    expect(await pendingRuns()).toHaveLength(1);
    expect(cli("plan").code).toBe(0);
  });
});
