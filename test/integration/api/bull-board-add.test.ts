// A super-admin's "Add job" on Bull Board, over HTTP on the repository's own jobs.yaml: the job is
// enqueued as the API enqueues it (payload schema, owner stamp, the manifest's attempts and
// backoff), and a bad payload, option or name gets a 400 saying why, with nothing added.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoFixture } from "../../helpers/repo-fixture";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";
import { companyWithLogins } from "../../helpers/users";

const PASSWORD = "board-add-password-1";
let t: TestRuntime;
let companyId: number;
let whatsappId: number;
let token = { super: "", admin: "" };

/** Bull Board's own request for "Add job" (what its page sends). */
const add = (body: unknown, who: keyof typeof token = "super", queue = "MessageQueue") =>
  fetch(`${t.runtime.url}/admin/queues/api/queues/${queue}/add`, {
    method: "POST",
    headers: { authorization: `Bearer ${token[who]}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  }).then(async (res) => ({
    status: res.status,
    body: (await res.json()) as {
      message?: string;
      error?: { key: string; options?: { field?: string } };
      job?: { id: string };
    },
  }));

const message = () => ({ whatsappId, data: { number: "5511900000009", body: "Do painel" } });
const bull = () => t.runtime.queues.queue("MessageQueue").bull;
const jobsIn = async () => (await bull().getJobCounts()) as unknown as Record<string, number>;

beforeAll(async () => {
  t = await startTestRuntime(await repoFixture(), { role: "api", editor: false });
  ({ companyId, whatsappId, token } = await companyWithLogins(
    t.runtime,
    t.db.sequelize,
    "Painel",
    PASSWORD,
    { name: "Ana", email: "ana@painel.test" },
  ));
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

describe("Bull Board's Add job", () => {
  it("enqueues as the API does: checked, owned, with the manifest's attempts and backoff", async () => {
    const res = await add({
      name: "SendMessage",
      data: message(),
      options: { delay: 3_600_000, attempts: 1 },
    });
    expect(res.status).toBe(200);
    const job = await bull().getJob(String(res.body.job?.id));
    expect(await job?.getState()).toBe("delayed");
    // jobs.yaml's retries, not the form's nor none.
    expect(job?.opts).toMatchObject({
      attempts: 8,
      backoff: { type: "exponential", delay: 2000 },
      delay: 3_600_000,
    });
    // Stamped with its company, so that company sees it and nobody else does.
    expect(job?.data).toMatchObject({ companyId, whatsappId });
    await job?.remove();
  });

  it("refuses a payload its schema refuses, saying where, and adds nothing", async () => {
    const before = await jobsIn();
    const res = await add({
      name: "SendMessage",
      data: { whatsappId, data: { body: "sem número" } },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^CF_JOB_BAD_PAYLOAD: .*number/);
    // What Bull Board's page titles the notice with: the field of its request that is wrong.
    expect(res.body.error).toEqual({
      key: "ERRORS.INVALID_REQUEST_BODY",
      options: { field: "data" },
    });
    expect(await jobsIn()).toEqual(before);
  });

  it("refuses a job the queue does not have, and options it cannot take", async () => {
    const before = await jobsIn();
    const unknown = await add({ name: "SendMessages", data: message() });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/^CF_JOB_UNKNOWN: .*SendMessages/);
    for (const options of [{ delay: -1 }, { priority: 0 }, { jobId: 7 }]) {
      const res = await add({ name: "SendMessage", data: message(), options });
      expect(res.status, JSON.stringify(options)).toBe(400);
      expect(res.body.message).toMatch(/option|options/);
    }
    expect(await jobsIn()).toEqual(before);
  });

  it("says a job id is taken rather than answer with the old job", async () => {
    const options = { jobId: "painel-1", delay: 3_600_000 };
    expect((await add({ name: "SendMessage", data: message(), options })).status).toBe(200);
    const again = await add({ name: "SendMessage", data: message(), options });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain("painel-1");
    await (await bull().getJob("painel-1"))?.remove();
  });

  it("duplicates a job the API added as a new job (the original's options name its id)", async () => {
    const enqueued = await fetch(`${t.runtime.url}/api/queues/MessageQueue/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${token.admin}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "SendMessage", data: message(), delayMs: 3_600_000 }),
    });
    const { id } = (await enqueued.json()) as { id: string };
    const original = await bull().getJob(id);
    expect(original?.opts.jobId).toBe(id);
    // What the board's Duplicate sends: the original's name, data and options as they are.
    const copy = await add({ name: original?.name, data: original?.data, options: original?.opts });
    expect(copy.status).toBe(200);
    expect(copy.body.job?.id).not.toBe(id);
    const added = await bull().getJob(String(copy.body.job?.id));
    expect(added?.data).toEqual(original?.data);
    expect(added?.opts).toMatchObject({ attempts: 8, delay: 3_600_000 });
    await Promise.all([original?.remove(), added?.remove()]);
  });

  it("is not a company admin's (403), whatever the path's case", async () => {
    for (const queue of ["MessageQueue", "messagequeue"]) {
      const res = await fetch(`${t.runtime.url}/admin/QUEUES/api/queues/${queue}/ADD`, {
        method: "POST",
        headers: { authorization: `Bearer ${token.admin}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "SendMessage", data: message() }),
      });
      expect(res.status).toBe(403);
    }
  });
});
