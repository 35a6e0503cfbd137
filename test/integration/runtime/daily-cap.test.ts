// The manifest's per-connection daily cap in a real runtime (send-message flow, Postgres, Redis,
// simulated WhatsApp): a connection sends at most `dailyCap` messages a day, however many jobs
// ask; the others fail visibly with CF_WA_DAILY_CAP, unsent and free to go on a later day;
// another connection has its own cap.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DailyQuota } from "../../../runtime/adapters/redis";
import { SimulatedWhatsApp } from "../../../runtime/adapters/whatsapp";
import { until } from "../../helpers/campaigns";
import { testRows } from "../../helpers/rows";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

const MANIFEST = path.resolve(__dirname, "../../fixtures/runtime/daily-cap/jobs.yaml");

let dir: string;
let t: TestRuntime;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "chatia-daily-cap-"));
  await cp(path.resolve(__dirname, "../../fixtures/runtime/pacing"), dir, { recursive: true });
  await cp(MANIFEST, path.join(dir, "jobs.yaml"));
  t = await startTestRuntime(dir, { editor: false });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("daily cap per connection", () => {
  it("sends at most dailyCap a day per connection; the rest fail with CF_WA_DAILY_CAP, unsent", async () => {
    const rows = testRows(t.db.sequelize);
    const companyId = (await rows.insert("Companies", { name: "Empresa" })).id;
    const [a, b] = await Promise.all(
      ["A", "B"].map(async (name) => {
        const w = await rows.insert("Whatsapps", { name, companyId, status: "CONNECTED" });
        return w.id;
      }),
    );
    const wa = new SimulatedWhatsApp(t.redis.redis, { prefix: `${t.config.prefix}:chatia:` });
    // WhatsApp refuses A's first send: that one does not count towards the cap.
    await wa.setBehaviour(a as number, { failNext: 1 });
    const enqueue = (whatsappId: number | undefined, n: number) =>
      t.runtime.queues.enqueue("MessageQueue", "SendMessage", {
        whatsappId,
        data: { number: `55119000000${String(n).padStart(2, "0")}`, body: `mensagem ${n}` },
      });
    const jobs = [
      ...(await Promise.all([0, 1, 2, 3, 4].map((n) => enqueue(a, n)))),
      ...(await Promise.all([5, 6].map((n) => enqueue(b, n)))),
    ];
    const outcomes = await Promise.all(
      jobs.map((job) =>
        job.finished().then(
          () => "sent",
          (err: Error) => err.message,
        ),
      ),
    );
    expect(await wa.sends({ connectionId: a })).toHaveLength(3);
    const quota = new DailyQuota(t.redis.redis, {
      prefix: `${t.config.prefix}:chatia:`,
      name: "whatsapp-send",
    });
    const today = quota.dayOf(new Date(), "America/Sao_Paulo");
    expect(await quota.used(a as number, today)).toBe(3);
    expect(await wa.sends({ connectionId: b })).toHaveLength(2);
    const refused = outcomes.slice(0, 5).filter((o) => o !== "sent");
    expect(refused).toHaveLength(2);
    for (const reason of refused) {
      expect(reason).toMatch(/CF_WA_DAILY_CAP|has sent its 3 messages of \d{4}-\d{2}-\d{2}/);
    }
    // Both attempts were refused (nothing sent twice or half-sent): their ledger keys are free.
    const failed = await until(async () => {
      const rows = await t.db.sequelize.query<{ status: string; error: string }>(
        `SELECT status, error FROM "SendLedger" WHERE "whatsappId" = $1 AND status <> 'sent'`,
        { bind: [a], type: QueryTypes.SELECT },
      );
      return rows.length === 2 ? rows : undefined;
    }, 5000);
    for (const row of failed) {
      expect(row.status).toBe("failed");
      expect(row.error).toMatch(/^CF_WA_DAILY_CAP: WhatsApp connection \d+ has sent its 3/);
    }
  }, 30_000);
});
