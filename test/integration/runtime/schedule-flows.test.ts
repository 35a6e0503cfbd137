// The ScheduleMonitor/Verify and SendSacheduledMessages/SendMessage flows in a real runtime: a
// Verify enqueued by hand enqueues the due schedule once, delayed to its exact sendAt, and the
// message reaches the simulated WhatsApp driver at that time.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatedWhatsApp } from "../../../runtime/adapters/whatsapp";
import { testRows } from "../../helpers/rows";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

const fixture = path.resolve(__dirname, "../../fixtures/runtime/schedules");
let t: TestRuntime;

beforeAll(async () => {
  t = await startTestRuntime(fixture, { editor: false });
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("scheduled message flows", () => {
  it("Verify (run again after a crash) enqueues one job delayed to sendAt, and the message is sent at sendAt", async () => {
    const rows = testRows(t.db.sequelize);
    const companyId = (await rows.insert("Companies", { name: "Empresa" })).id;
    const whatsappId = (
      await rows.insert("Whatsapps", { name: "W", companyId, status: "CONNECTED", isDefault: true })
    ).id;
    const contact = await rows.insert("Contacts", {
      name: "Maria",
      number: "5511987650002",
      companyId,
    });
    const sendAt = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000);
    const schedule = await rows.insert("Schedules", {
      body: "Lembrete",
      sendAt,
      contactId: contact.id,
      companyId,
    });

    const queues = t.runtime.queues;
    const first = await queues.enqueue("ScheduleMonitor", "Verify", {});
    await expect(first.finished()).resolves.toEqual({ enqueued: 1, stale: 0, failed: 0 });
    // As if the first run crashed after enqueueing but before marking AGENDADA: the second run
    // enqueues the occurrence again, under the same job id, which Bull keeps once.
    await rows.update("Schedules", { status: "PENDENTE" }, { id: schedule.id });
    const second = await queues.enqueue("ScheduleMonitor", "Verify", {});
    await expect(second.finished()).resolves.toEqual({ enqueued: 1, stale: 0, failed: 0 });
    const third = await queues.enqueue("ScheduleMonitor", "Verify", {});
    await expect(third.finished()).resolves.toEqual({ enqueued: 0, stale: 0, failed: 0 });

    const jobId = `schedule-${schedule.id}-${sendAt.getTime()}`;
    const sendQueue = queues.queue("SendSacheduledMessages").bull;
    const job = await sendQueue.getJob(jobId);
    // Added by the runtime: it carries its owner company at the top level.
    expect(job?.data).toEqual({ scheduleId: schedule.id, sendAt: sendAt.toISOString(), companyId });
    // Delayed to the exact sendAt (the original used a fixed 40 s).
    expect(
      Math.abs((job?.timestamp ?? 0) + (job?.opts.delay ?? 0) - sendAt.getTime()),
    ).toBeLessThan(50);
    expect(await sendQueue.getJobCounts()).toMatchObject({ delayed: 1, waiting: 0, active: 0 });

    const wa = new SimulatedWhatsApp(t.redis.redis, { prefix: `${t.config.prefix}:chatia:` });
    const [sent] = await until(async () => {
      const sends = await wa.sends({ connectionId: whatsappId });
      return sends.length > 0 ? sends : undefined;
    }, 6000);
    expect(sent?.text).toBe("\u200e Lembrete");
    expect(sent?.startedAt).toBeGreaterThanOrEqual(sendAt.getTime() - 5);
    expect(sent?.startedAt).toBeLessThan(sendAt.getTime() + 1000);

    const done = await until(async () => {
      const row = await rows.get("Schedules", { id: schedule.id });
      return row.status === "ENVIADA" ? row : undefined;
    }, 3000);
    expect(done.sentAt).toBeInstanceOf(Date);
    expect(await wa.sends()).toHaveLength(1);
  }, 20_000);
});
