// A campaign run through the queues and flows of the repository's own jobs.yaml, heard by the
// company's real socket.io client: every company-<id>-campaign event carries the campaign's
// progress, and it moves — sent only grows, pending only shrinks, the three add up to the total,
// the eta is a time to come while running — and the last event is the finished campaign.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatedWhatsApp } from "../../../runtime/adapters/whatsapp";
import { createCampaign, createCampaignWorld, until } from "../../helpers/campaigns";
import { repoFixture } from "../../helpers/repo-fixture";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";
import { companySocketOf } from "../../helpers/socket";

let t: TestRuntime;

beforeAll(async () => {
  t = await startTestRuntime(await repoFixture(), { editor: false });
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

interface Progress {
  id: number;
  status: string;
  sent: number;
  failed: number;
  pending: number;
  total: number;
  eta: string | null;
  shippingsLeft: number;
}

describe("a running campaign's socket events", () => {
  it("carry sent, failed, pending, total and eta, moving as the sends go out", async () => {
    const contacts = 6;
    // One message a second: the run lasts several seconds, and progress is told at most 1/s.
    const pacing = { messageInterval: 1, longerIntervalAfter: 0, greaterInterval: 0 };
    const world = await createCampaignWorld(t.db.sequelize, { contacts, pacing });
    const socket = await companySocketOf(t, world.companyId);
    const wa = new SimulatedWhatsApp(t.redis.redis, { prefix: `${t.config.prefix}:chatia:` });
    try {
      const id = await createCampaign(t.db.sequelize, world);
      await t.runtime.queues.enqueue("CampaignQueue", "VerifyCampaignsDaatabase", {});
      const name = `company-${world.companyId}-campaign`;
      const events = await until(async () => {
        const got = (socket.received(name) as { action: string; record: Progress }[]).map(
          (e) => e.record,
        );
        return got.some((r) => r.status === "FINALIZADA") ? got : undefined;
      }, 60_000);
      const mine = events.filter((r) => r.id === id);
      expect(mine).toHaveLength(events.length);
      for (const r of mine) {
        expect(r, JSON.stringify(r)).toMatchObject({ total: contacts });
        expect(r.sent + r.failed + r.pending, JSON.stringify(r)).toBe(contacts);
        expect(r.shippingsLeft).toBe(r.pending);
      }
      // Moving: sent never goes back, pending never grows, and some event came mid-run.
      for (let i = 1; i < mine.length; i++) {
        const [before, after] = [mine[i - 1] as Progress, mine[i] as Progress];
        expect(after.sent, `event ${i}`).toBeGreaterThanOrEqual(before.sent);
        expect(after.pending, `event ${i}`).toBeLessThanOrEqual(before.pending);
      }
      const midRun = mine.filter((r) => r.sent > 0 && r.pending > 0);
      expect(midRun.length, JSON.stringify(mine)).toBeGreaterThan(0);
      // An eta, once there is one, is a time to come, not past the pace's remaining sends by far.
      for (const r of midRun.filter((m) => m.eta !== null)) {
        const eta = Date.parse(String(r.eta));
        expect(eta).toBeGreaterThan(Date.now() - 60_000);
        expect(eta).toBeLessThan(Date.now() + (r.pending + 5) * 10_000);
      }
      const last = mine.at(-1) as Progress;
      expect(last).toMatchObject({ status: "FINALIZADA", sent: contacts, failed: 0, pending: 0 });
      expect(last.eta).toBeNull();
      expect(await wa.sends({ connectionId: world.whatsappId })).toHaveLength(contacts);
    } finally {
      socket.close();
    }
  });
}, 90_000);
