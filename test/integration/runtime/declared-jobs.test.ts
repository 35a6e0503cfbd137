// Declare, then build: the shipped jobs.yaml with one more job, ReminderQueue/SendReminder, whose
// flow does not exist yet. validate, start-up and hot reload accept it as declared, not handled
// (a warning naming the missing flow); the editor's `job in` form lists it, flagged; the API and
// the CLI refuse to enqueue it (CF_JOB_NOT_HANDLED) and add nothing; once its flow is deployed
// from the editor, it runs.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { hashPassword } from "../../../runtime/cli/commands/db";
import { ROOT, runCli } from "../../helpers/cli";
import { deployEdited, editorToken } from "../../helpers/editor";
import { testRows } from "../../helpers/rows";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

const REMINDER = `
  ReminderQueue:
    description: Reminders to contacts.
    jobs:
      SendReminder:
        flow: send-reminder
        payload: schemas/payloads/send-reminder.json
        attempts: 2
`;
const REMINDER_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  required: ["name"],
  properties: { name: { type: "string" } },
};

let fixture: string;
let t: TestRuntime;
let token: string;

/** The repository's jobs.yaml, flows/ and schemas/, with SendReminder declared. */
async function declaredFixture(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "chatia-declared-"));
  await cp(path.join(ROOT, "flows"), path.join(dir, "flows"), { recursive: true });
  await cp(path.join(ROOT, "schemas"), path.join(dir, "schemas"), { recursive: true });
  const manifest = await readFile(path.join(ROOT, "jobs.yaml"), "utf8");
  await writeFile(path.join(dir, "jobs.yaml"), `${manifest.trimEnd()}\n${REMINDER}`);
  await writeFile(
    path.join(dir, "schemas/payloads/send-reminder.json"),
    JSON.stringify(REMINDER_SCHEMA),
  );
  return dir;
}

beforeAll(async () => {
  fixture = await declaredFixture();
  t = await startTestRuntime(fixture);
  const rows = testRows(t.db.sequelize);
  const company = await rows.insert("Companies", { name: "Declared" });
  await rows.insert("Users", {
    companyId: company.id,
    name: "Root",
    email: "root@declared.test",
    passwordHash: await hashPassword("root-password-123"),
    profile: "admin",
    super: true,
  });
  const login = await fetch(`${t.runtime.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "root@declared.test", password: "root-password-123" }),
  });
  expect(login.status).toBe(200);
  token = ((await login.json()) as { accessToken: string }).accessToken;
}, 120_000);
afterAll(async () => {
  await t?.stop();
  await rm(fixture, { recursive: true, force: true });
});

const enqueueReminder = () =>
  fetch(`${t.runtime.url}/api/queues/ReminderQueue/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "SendReminder", data: { name: "Ana" } }),
  });

const reminderPlan = () =>
  t.runtime
    .plan()
    .queues.find((q) => q.name === "ReminderQueue")
    ?.jobs.find((j) => j.name === "SendReminder");

describe("a job declared before its flow exists", () => {
  it("validate accepts it with a warning naming the missing flow", () => {
    const result = runCli(["validate", path.join(fixture, "jobs.yaml")]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^warning: .*jobs\.yaml:\d+:\d+: ReminderQueue\/SendReminder is declared, not handled: flow file flows\/send-reminder\.json \(of ReminderQueue\/SendReminder\) does not exist yet; create it in the editor .* \(at \/queues\/ReminderQueue\/jobs\/SendReminder\/flow\)$/m,
    );
    expect(result.stdout).toMatch(
      /: valid \(12 queues, 15 jobs, 1 declared without a flow yet\)$/m,
    );
  });

  it("the runtime starts with it declared, not handled, and the job in form lists it flagged", async () => {
    expect(reminderPlan()).toMatchObject({ enabled: true, notHandled: true });
    const editor = await editorToken(t.runtime.url as string, t.config.admin.password);
    const jobs = (await (
      await fetch(`${t.runtime.url}/flows/chatia/jobs`, {
        headers: { authorization: `Bearer ${editor}` },
      })
    ).json()) as { queue: string; job: string; flowMissing: boolean }[];
    expect(jobs.find((j) => j.job === "SendReminder")).toMatchObject({
      queue: "ReminderQueue",
      flowMissing: true,
    });
    expect(jobs.find((j) => j.job === "Verify")).toMatchObject({ flowMissing: false });
  });

  it("the API and the CLI refuse to enqueue it and add nothing", async () => {
    const response = await enqueueReminder();
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({
      code: "CF_JOB_NOT_HANDLED",
      message: expect.stringContaining('its flow "send-reminder" does not exist yet'),
    });
    const cli = runCli(
      [
        "enqueue",
        "ReminderQueue",
        "SendReminder",
        '{"name":"Ana"}',
        "--manifest",
        t.config.manifestFile,
      ],
      {
        env: {
          REDIS_URL: t.config.redisUrl,
          REDIS_PREFIX: t.config.prefix,
          CHATIA_FLOWS_DIR: t.config.flowsDir,
        },
      },
    );
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(
      /^CF_JOB_NOT_HANDLED: job ReminderQueue\/SendReminder is declared, not handled/,
    );
    const counts = await t.runtime.queues.queue("ReminderQueue").bull.getJobCounts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it("a hot reload keeps it declared; a declared cron job gets no trigger", async () => {
    const manifest = await readFile(t.config.manifestFile, "utf8");
    await writeFile(
      t.config.manifestFile,
      `${manifest.trimEnd()}\n      RemindDaily: { flow: remind-daily, cron: "0 9 * * *" }\n`,
    );
    const result = await t.runtime.reload();
    expect(result).toEqual({ applied: true, problems: [] });
    expect(reminderPlan()).toMatchObject({ notHandled: true });
    const diff = await t.runtime.queues.diffRepeatables();
    expect([...diff.keep, ...diff.add].map((r) => r.name)).not.toContain("RemindDaily");
    expect(diff.keep.length).toBeGreaterThan(0);
  });

  it("runs once its flow is deployed from the editor", async () => {
    const editor = await editorToken(t.runtime.url as string, t.config.admin.password);
    await deployEdited(t.runtime.url as string, editor, (flows) => {
      flows.push(
        { id: "reminder-tab", type: "tab", label: "send-reminder", disabled: false, info: "" },
        {
          id: "reminder-in",
          type: "job in",
          z: "reminder-tab",
          name: "",
          queue: "ReminderQueue",
          job: "SendReminder",
          x: 120,
          y: 80,
          wires: [["reminder-out"]],
        },
        {
          id: "reminder-out",
          type: "job out",
          z: "reminder-tab",
          name: "",
          mode: "complete",
          property: "payload",
          retry: true,
          x: 320,
          y: 80,
          wires: [],
        },
      );
    });
    await vi.waitFor(() => expect(reminderPlan()?.notHandled).toBeUndefined(), {
      timeout: 15_000,
    });
    const response = await enqueueReminder();
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    const job = await t.runtime.queues.queue("ReminderQueue").bull.getJob(id);
    await expect(job?.finished()).resolves.toEqual({ name: "Ana" });
  });
});
