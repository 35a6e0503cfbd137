// A company's enqueue quotas on the repository's own MessageQueue/SendMessage: the size of one
// job's data (413), its jobs waiting in the queue, including those another producer added (429),
// and its enqueues per minute (429, with when to retry); a super-admin has none. A refused
// enqueue adds nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoFixture } from "../../helpers/repo-fixture";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";
import { companyWithLogins } from "../../helpers/users";

const PASSWORD = "quota-password-123";
let t: TestRuntime;
let whatsappId: number;
let companyId: number;

interface Answer {
  readonly code?: string;
  readonly details?: { limit?: string; max?: number; retryAfterSeconds?: number };
}
let token = { admin: "", super: "" };

const send = (who: keyof typeof token, body = "Olá") =>
  fetch(`${t.runtime.url}/api/queues/MessageQueue/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${token[who]}`, "content-type": "application/json" },
    body: JSON.stringify({
      name: "SendMessage",
      data: { whatsappId, data: { number: "5511900000001", body } },
      delayMs: 3_600_000,
    }),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as Answer }));

const waiting = async () =>
  (await t.runtime.queues.queue("MessageQueue").bull.getDelayedCount()) +
  (await t.runtime.queues.queue("MessageQueue").bull.getWaitingCount());

beforeAll(async () => {
  t = await startTestRuntime(await repoFixture(), {
    role: "api",
    editor: false,
    quotas: { perMinute: 4, jobBytes: 2_000, jobsWaiting: 3 },
  });
  ({ companyId, whatsappId, token } = await companyWithLogins(
    t.runtime,
    t.db.sequelize,
    "Cota",
    PASSWORD,
    { name: "Ana", email: "ana@cota.test" },
  ));
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

describe("a company's enqueue quotas", () => {
  it("refuse a job's data over the size limit (413), counting nothing", async () => {
    const big = await send("admin", "x".repeat(3_000));
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ code: "CF_TENANCY_QUOTA", details: { limit: "jobBytes" } });
    expect(await waiting()).toBe(0);
  });

  it("refuse past the jobs waiting, counting another producer's jobs of the company", async () => {
    // ChatIA's backend adds one raw, without companyId: it is the company's all the same.
    await t.runtime.queues.queue("MessageQueue").bull.add(
      "SendMessage",
      {
        whatsappId,
        data: { number: "5511900000002", body: "raw" },
      },
      { delay: 3_600_000 },
    );
    expect((await send("admin")).status).toBe(201);
    expect((await send("admin")).status).toBe(201);
    const full = await send("admin");
    expect([full.status, full.body.details?.limit]).toEqual([429, "jobsWaiting"]);
    expect(await waiting()).toBe(3);
    // A super-admin has no quota.
    expect((await send("super")).status).toBe(201);
  });

  it("refuse past the enqueues of a minute, saying when to retry", async () => {
    // The waiting jobs go, so only the rate is in the way.
    await t.runtime.queues.queue("MessageQueue").bull.empty();
    // Not across a minute's boundary, where the count starts again.
    const msLeft = 60_000 - (Date.now() % 60_000);
    if (msLeft < 15_000) await new Promise((resolve) => setTimeout(resolve, msLeft + 50));
    const minute = Math.floor(Date.now() / 60_000);
    const key = `${t.config.prefix}:chatia:quota:enqueue:${companyId}:${minute}`;
    const used = Number((await t.redis.redis.get(key)) ?? 0);
    const statuses: number[] = [];
    let refused: Answer | undefined;
    for (let i = used; i <= 4; i++) {
      const answer = await send("admin");
      statuses.push(answer.status);
      if (answer.status === 429) refused = answer.body;
      // Only the rate may be in the way, not the jobs waiting.
      await t.runtime.queues.queue("MessageQueue").bull.empty();
    }
    expect(statuses).toEqual([...Array(4 - used).fill(201), 429]);
    expect(refused).toMatchObject({
      code: "CF_TENANCY_QUOTA",
      details: { limit: "perMinute", max: 4 },
    });
    expect(refused?.details?.retryAfterSeconds).toBeGreaterThan(0);
  });
});
