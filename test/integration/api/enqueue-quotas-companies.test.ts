// Enqueue quotas under a flood, per company, on the repository's own MessageQueue/SendMessage:
// requests sent all at once cannot overshoot the jobs waiting (each counts the others under way),
// and one company at its limits, of jobs waiting or of enqueues per minute, leaves another's
// enqueues alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SequelizeAuthStore } from "../../../runtime/adapters/db/repositories/auth-store";
import { SequelizeOwnerStore } from "../../../runtime/adapters/db/repositories/owner-store";
import { RedisArrivalLine } from "../../../runtime/adapters/redis";
import { AuthService } from "../../../runtime/http/auth";
import { EnqueueQuota } from "../../../runtime/tenancy/enqueue-quota";
import { OwnedJobs } from "../../../runtime/tenancy/owned-jobs";
import { Ownership } from "../../../runtime/tenancy/ownership";
import { repoFixture } from "../../helpers/repo-fixture";
import { testRows } from "../../helpers/rows";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

const WAITING = 5;
const PER_MINUTE = 12;
let t: TestRuntime;
type Co = "A" | "B" | "C";
const company = {} as Record<Co, { companyId: number; whatsappId: number; token: string }>;

beforeAll(async () => {
  t = await startTestRuntime(await repoFixture(), {
    role: "api",
    editor: false,
    quotas: { perMinute: PER_MINUTE, jobBytes: 65_536, jobsWaiting: WAITING },
  });
  const rows = testRows(t.db.sequelize);
  const auth = new AuthService({
    store: new SequelizeAuthStore(t.db.sequelize),
    jwtSecret: t.config.jwtSecret,
  });
  for (const co of ["A", "B", "C"] as const) {
    const companyId = (await rows.insert("Companies", { name: `Cota ${co}` })).id;
    const whatsappId = (
      await rows.insert("Whatsapps", { name: co, companyId, status: "CONNECTED" })
    ).id;
    const { token } = await auth.createApiToken({ name: co, companyId, profile: "admin" });
    company[co] = { companyId, whatsappId, token };
  }
}, 90_000);
afterAll(async () => {
  await t?.stop();
});

/** Waits for a new minute when this one has less than 20 s left: the per-minute count restarts. */
async function awayFromMinuteBoundary(): Promise<void> {
  const msLeft = 60_000 - (Date.now() % 60_000);
  if (msLeft < 20_000) await new Promise((resolve) => setTimeout(resolve, msLeft + 50));
}

const send = (co: Co) =>
  fetch(`${t.runtime.url}/api/queues/MessageQueue/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${company[co].token}`, "content-type": "application/json" },
    body: JSON.stringify({
      name: "SendMessage",
      data: { whatsappId: company[co].whatsappId, data: { number: "5511900000001", body: "Olá" } },
      delayMs: 3_600_000,
    }),
  }).then(async (res) => ({
    status: res.status,
    body: (await res.json()) as { code?: string; details?: { limit?: string } },
  }));

/** Each company's jobs in the queue (delayed: every enqueue here is delayed an hour). */
async function queued(): Promise<Record<"A" | "B", number>> {
  const jobs = await t.runtime.queues.queue("MessageQueue").bull.getDelayed();
  const of = (co: "A" | "B") => jobs.filter((j) => j.data.whatsappId === company[co].whatsappId);
  return { A: of("A").length, B: of("B").length };
}

describe("a company's enqueues sent all at once", () => {
  it("add no more jobs than its jobs-waiting quota, and leave another company's room alone", async () => {
    await t.runtime.queues.queue("MessageQueue").bull.empty();
    const flood = await Promise.all(Array.from({ length: 40 }, () => send("A")));
    const statuses = flood.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(WAITING).fill(201), ...Array(40 - WAITING).fill(429)]);
    for (const r of flood.filter((a) => a.status === 429))
      expect(r.body).toMatchObject({ code: "CF_TENANCY_QUOTA", details: { limit: "jobsWaiting" } });
    expect(await queued()).toEqual({ A: WAITING, B: 0 });
    // B's own quota, not A's full share of the queue.
    const other = await Promise.all(Array.from({ length: 40 }, () => send("B")));
    expect(other.filter((r) => r.status === 201)).toHaveLength(WAITING);
    expect(await queued()).toEqual({ A: WAITING, B: WAITING });
  });

  it("past its enqueues of the minute, refuse it and not another company", async () => {
    await awayFromMinuteBoundary();
    const queue = t.runtime.queues.queue("MessageQueue").bull;
    // C has made no enqueue yet; each of its jobs is removed at once, to stay under its jobs waiting.
    for (let i = 0; i < PER_MINUTE; i++) {
      expect((await send("C")).status, `C's enqueue ${i + 1}`).toBe(201);
      await queue.empty();
    }
    const over = await send("C");
    expect([over.status, over.body.details?.limit]).toEqual([429, "perMinute"]);
    expect((await send("B")).status).toBe(201);
  }, 60_000);

  it("count a job added by an enqueue still under way once, so the room is all used", async () => {
    const queues = t.runtime.queues;
    const queue = queues.queue("MessageQueue");
    await queue.bull.empty();
    const quota = new EnqueueQuota(
      queues.redis,
      `${queues.prefix}:chatia:`,
      new OwnedJobs(
        new Ownership({ store: new SequelizeOwnerStore(t.db.sequelize), mediaDir: "." }),
      ),
      new RedisArrivalLine(queues.redis, `${queues.prefix}:chatia:`),
      { perMinute: 1_000, jobBytes: 65_536, jobsWaiting: 2 },
    );
    const caller = { super: false, companyId: company.A.companyId };
    const data = {
      whatsappId: company.A.whatsappId,
      data: { number: "5511900000002", body: "Oi" },
    };
    const first = await quota.admit(caller, queue, "under-way-1", data);
    expect(first.refused).toBeUndefined();
    // The first enqueue's job is in the queue; its request has not released its place yet.
    await queue.bull.add("SendMessage", data, { jobId: "under-way-1", delay: 3_600_000 });
    const second = await quota.admit(caller, queue, "under-way-2", data);
    expect(second.refused).toBeUndefined();
    const third = await quota.admit(caller, queue, "under-way-3", data);
    expect(third.refused).toMatchObject({
      status: 429,
      message:
        "your company has 1 jobs waiting in MessageQueue (and 1 more being added); at most 2",
    });
    await Promise.all([first.release?.(), second.release?.()]);
    // Released and never added: its room is free again.
    expect((await quota.admit(caller, queue, "under-way-4", data)).refused).toBeUndefined();
  });
});
