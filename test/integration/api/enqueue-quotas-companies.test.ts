// Enqueue quotas under a flood, per company, on the repository's own MessageQueue/SendMessage:
// requests sent all at once cannot overshoot the jobs waiting (each counts the others under way),
// and one company at its limits, of jobs waiting or of enqueues per minute, leaves another's
// enqueues alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SequelizeAuthStore } from "../../../runtime/adapters/db/repositories/auth-store";
import { AuthService } from "../../../runtime/http/auth";
import { repoFixture } from "../../helpers/repo-fixture";
import { testRows } from "../../helpers/rows";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

const WAITING = 5;
const PER_MINUTE = 12;
let t: TestRuntime;
const company = {} as Record<"A" | "B", { companyId: number; whatsappId: number; token: string }>;

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
  for (const co of ["A", "B"] as const) {
    const companyId = (await rows.insert("Companies", { name: `Cota ${co}` })).id;
    const whatsappId = (
      await rows.insert("Whatsapps", { name: co, companyId, status: "CONNECTED" })
    ).id;
    const { token } = await auth.createApiToken({ name: co, companyId, profile: "admin" });
    company[co] = { companyId, whatsappId, token };
  }
  // Not across a minute's boundary, where the per-minute count starts again.
  const msLeft = 60_000 - (Date.now() % 60_000);
  if (msLeft < 20_000) await new Promise((resolve) => setTimeout(resolve, msLeft + 50));
}, 90_000);
afterAll(async () => {
  await t?.stop();
});

const send = (co: "A" | "B") =>
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
    await t.runtime.queues.queue("MessageQueue").bull.empty();
    // Each company has made WAITING enqueues this minute; A makes the rest of its PER_MINUTE.
    for (let i = WAITING; i < PER_MINUTE; i++) {
      expect((await send("A")).status, `A's enqueue ${i + 1}`).toBe(201);
      await t.runtime.queues.queue("MessageQueue").bull.empty();
    }
    const over = await send("A");
    expect([over.status, over.body.details?.limit]).toEqual([429, "perMinute"]);
    expect((await send("B")).status).toBe(201);
  });
});
