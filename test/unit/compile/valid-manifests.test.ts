// Every valid manifest fixture (and the shipped jobs.yaml) loads, and compiles to the plan in its
// .plan.json golden file (paths shown relative to the fixture folder).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compile, type Plan } from "../../../runtime/compile";
import { loadManifest } from "../../../runtime/manifest";
import { fixtureEnv } from "../../helpers/fixture-env";
import { expectGolden } from "../../helpers/golden";

const dir = path.resolve(__dirname, "../../fixtures/manifests/valid");
const fixtures = readdirSync(dir).filter((f) => f.endsWith(".yaml"));

function portable(plan: Plan, root: string): Plan {
  return JSON.parse(JSON.stringify(plan).replaceAll(JSON.stringify(root).slice(1, -1), "<dir>"));
}

describe("valid manifests", () => {
  it.each(fixtures)("%s compiles to its golden plan", async (name) => {
    const file = path.join(dir, name);
    const manifest = await loadManifest(file, { env: fixtureEnv(readFileSync(file, "utf8")) });
    const plan = compile(manifest);
    expectGolden(
      file.replace(/\.yaml$/, ".plan.json"),
      `${JSON.stringify(portable(plan, dir), null, 2)}\n`,
    );
  });

  it("the shipped jobs.yaml declares the 14 jobs of the original", async () => {
    const plan = compile(
      await loadManifest(path.resolve(__dirname, "../../../jobs.yaml"), { env: {} }),
    );
    const keys = plan.queues.flatMap((q) => q.jobs.map((j) => j.key));
    expect(keys).toEqual([
      "MessageQueue/SendMessage",
      "ScheduleMonitor/Verify",
      "SendSacheduledMessages/SendMessage",
      "CampaignQueue/VerifyCampaignsDaatabase",
      "CampaignQueue/ProcessCampaign",
      "CampaignQueue/PrepareContact",
      "CampaignQueue/DispatchCampaign",
      "QueueMonitor/VerifyQueueStatus",
      "UserMonitor/VerifyLoginStatus",
      "TicketRouter/DistributeTickets",
      "KanbanMonitor/MoveKanbanLanes",
      "TicketMonitor/CloseInactiveTickets",
      "InvoiceMonitor/CreateInvoices",
      "SessionMonitor/PurgeWhatsappSessions",
    ]);
    const messageQueue = plan.queues.find((q) => q.name === "MessageQueue");
    expect(messageQueue?.rateLimit).toEqual({
      max: 1,
      durationMs: 3000,
      per: "whatsappId",
      jitterMs: 0,
      paces: "sends",
      dailyCap: { max: 10_000, tz: "America/Sao_Paulo" },
    });
  });

  it("takes the limiter from REDIS_OPT_LIMITER_MAX / REDIS_OPT_LIMITER_DURATION, as numbers", async () => {
    const env = { REDIS_OPT_LIMITER_MAX: "4", REDIS_OPT_LIMITER_DURATION: "1000" };
    const plan = compile(
      await loadManifest(path.resolve(__dirname, "../../../jobs.yaml"), { env }),
    );
    expect(plan.queues[0]?.rateLimit).toMatchObject({ max: 4, durationMs: 1000 });
  });
});
