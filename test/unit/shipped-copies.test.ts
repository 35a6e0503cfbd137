// Where a test runs a shipped job on something other than the repository's own jobs.yaml, flows/
// and schemas/payloads/, this shows how it differs. Each stand-in manifest is compiled and compared,
// job by job and queue by queue, with the plan of jobs.yaml; the differences must be exactly the
// documented ones below (each with its reason), so a change to jobs.yaml that a stand-in does not
// follow, or a stand-in that drifts, fails here. Copies of shipped flows and payload schemas in the
// fixtures must be identical to the shipped files: a stale copy (say, an old `lookAhead`) fails.
//
// Not compared: test/fixtures/flows/ and test/fixtures/manifests/ (deliberately broken or minimal
// manifests and flows for `validate`'s checks, never run as the shipped jobs).
import { readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile, type JobPlan, type Plan, type QueuePlan } from "../../runtime/compile";
import { loadManifest, parseManifest } from "../../runtime/manifest";
import { campaignFixture } from "../helpers/campaigns";
import { fixtureEnv } from "../helpers/fixture-env";
import { REPO_ROOT } from "../helpers/repo-fixture";
import { SCHEDULE_MANIFEST } from "../helpers/schedule-cluster";

const FIXTURES = path.join(REPO_ROOT, "test", "fixtures");
const SHIPPED_FLOWS = new Set(readdirSync(path.join(REPO_ROOT, "flows")));
const SHIPPED_SCHEMAS = path.join(REPO_ROOT, "schemas", "payloads");

// The documented differences, by stand-in: each line as differences() writes it, and why.
const CRON_BY_HAND =
  "cron moved to once a year: the test enqueues the job by hand and asserts that run's counts, which a cron run would race";
const FAST_RETRY = "retries within a test's time (jobs.yaml's waits are seconds to minutes)";
const EXPECTED: Record<string, Record<string, string>> = {
  "test/fixtures/runtime/schedules/jobs.yaml": {
    'ScheduleMonitor/Verify repeat: {"cron":"0 0 0 1 1 *","tz":"UTC"} (jobs.yaml: {"cron":"0 * * * * *","tz":"UTC"})':
      CRON_BY_HAND,
  },
  "test/fixtures/runtime/billing/jobs.yaml": {
    'UserMonitor/VerifyLoginStatus repeat: {"cron":"0 0 1 1 *","tz":"UTC"} (jobs.yaml: {"cron":"* * * * *","tz":"UTC"})':
      CRON_BY_HAND,
    'InvoiceMonitor/CreateInvoices repeat: {"cron":"0 0 0 1 1 *","tz":"UTC"} (jobs.yaml: {"cron":"0 0 * * * *","tz":"UTC"})':
      CRON_BY_HAND,
  },
  "test/fixtures/runtime/billing-every-second/jobs.yaml": {
    'InvoiceMonitor/CreateInvoices repeat: {"cron":"* * * * * *","tz":"UTC"} (jobs.yaml: {"cron":"0 0 * * * *","tz":"UTC"})':
      "every second, so that several processes run it many times within a test (cron-once)",
    "InvoiceMonitor/CreateInvoices removeOnComplete: false (jobs.yaml: true)":
      "the completed runs are kept, for the test to count them",
  },
  "test/fixtures/runtime/tickets/jobs.yaml": {
    'QueueMonitor/VerifyQueueStatus repeat: {"cron":"0 0 1 1 *","tz":"UTC"} (jobs.yaml: {"cron":"0 * * * * *","tz":"UTC"})':
      CRON_BY_HAND,
    'TicketRouter/DistributeTickets repeat: {"cron":"0 0 1 1 *","tz":"UTC"} (jobs.yaml: {"cron":"0 */2 * * * *","tz":"America/Sao_Paulo"})':
      CRON_BY_HAND,
    'KanbanMonitor/MoveKanbanLanes repeat: {"cron":"0 0 1 1 *","tz":"UTC"} (jobs.yaml: {"cron":"0 * * * * *","tz":"UTC"})':
      CRON_BY_HAND,
    'TicketMonitor/CloseInactiveTickets repeat: {"cron":"0 0 1 1 *","tz":"UTC"} (jobs.yaml: {"cron":"0 * * * * *","tz":"UTC"})':
      CRON_BY_HAND,
    'SessionMonitor/PurgeWhatsappSessions repeat: {"cron":"0 0 1 1 *","tz":"UTC"} (jobs.yaml: {"cron":"0 15 3 * * *","tz":"America/Sao_Paulo"})':
      CRON_BY_HAND,
  },
  "test/fixtures/runtime/ticket-crons-every-second/jobs.yaml": {
    "TicketRouter concurrency: 2 (jobs.yaml: 1)":
      "two runs at once per process as well as across the two processes",
    "TicketMonitor concurrency: 2 (jobs.yaml: 1)":
      "two runs at once per process as well as across the two processes",
    'TicketRouter/DistributeTickets repeat: {"cron":"* * * * * *","tz":"UTC"} (jobs.yaml: {"cron":"0 */2 * * * *","tz":"America/Sao_Paulo"})':
      "every second, so that the two processes' runs meet within the test",
    'TicketMonitor/CloseInactiveTickets repeat: {"cron":"* * * * * *","tz":"UTC"} (jobs.yaml: {"cron":"0 * * * * *","tz":"UTC"})':
      "every second, so that the two processes' runs meet within the test",
    "TicketRouter/DistributeTickets removeOnComplete: false (jobs.yaml: true)":
      "the completed runs are kept, for the test to count them",
    "TicketMonitor/CloseInactiveTickets removeOnComplete: false (jobs.yaml: true)":
      "the completed runs are kept, for the test to count them",
  },
  "test/fixtures/runtime/pacing/jobs.yaml": {
    "MessageQueue concurrency: 3 (jobs.yaml: 1)":
      "several sends at once per worker, so that only the per-connection pace holds them back",
    'MessageQueue rateLimit: {"max":1,"durationMs":3000,"per":"whatsappId","jitterMs":0,"paces":"sends"} (jobs.yaml: {"max":1,"durationMs":3000,"per":"whatsappId","jitterMs":0,"paces":"sends","dailyCap":{"max":10000,"tz":"America/Sao_Paulo"}})':
      "the pace alone (its window set by $PACE_MS), no daily cap",
    "MessageQueue/SendMessage attempts: 3 (jobs.yaml: 8)": FAST_RETRY,
    'MessageQueue/SendMessage backoff: {"type":"fixed","delay":200} (jobs.yaml: {"type":"exponential","delay":2000})':
      FAST_RETRY,
  },
  "test/fixtures/runtime/daily-cap/jobs.yaml": {
    "MessageQueue concurrency: 4 (jobs.yaml: 1)":
      "several sends at once, racing for the connection's last sends of the day",
    'MessageQueue rateLimit: {"max":50,"durationMs":1000,"per":"whatsappId","jitterMs":0,"paces":"sends","dailyCap":{"max":3,"tz":"America/Sao_Paulo"}} (jobs.yaml: {"max":1,"durationMs":3000,"per":"whatsappId","jitterMs":0,"paces":"sends","dailyCap":{"max":10000,"tz":"America/Sao_Paulo"}})':
      "a daily cap of 3 reached within the test, not held back by the pace",
    "MessageQueue/SendMessage attempts: 2 (jobs.yaml: 8)": FAST_RETRY,
    'MessageQueue/SendMessage backoff: {"type":"fixed","delay":100} (jobs.yaml: {"type":"exponential","delay":2000})':
      FAST_RETRY,
  },
  "test/fixtures/api-campaigns/jobs.yaml": {
    // The campaign routes' test compiles it for the queue and job names only; no flow runs.
    "CampaignQueue concurrency: 1 (jobs.yaml: 10)": "names only",
    "CampaignQueue/ProcessCampaign attempts: 1 (jobs.yaml: 3)": "names only",
    'CampaignQueue/ProcessCampaign removeOnComplete: {"age":3600,"count":1000} (jobs.yaml: {"age":3600,"count":10})':
      "names only",
    'CampaignQueue/ProcessCampaign removeOnFail: {"age":86400,"count":5000} (jobs.yaml: {"age":3600,"count":10})':
      "names only",
    "CampaignQueue/ProcessCampaign payload: none (jobs.yaml: schemas/payloads/process-campaign.json)":
      "names only",
    "CampaignQueue/PrepareContact attempts: 1 (jobs.yaml: 3)": "names only",
    'CampaignQueue/PrepareContact removeOnComplete: {"age":3600,"count":1000} (jobs.yaml: true)':
      "names only",
    "CampaignQueue/PrepareContact payload: none (jobs.yaml: schemas/payloads/prepare-contact.json)":
      "names only",
    "CampaignQueue/DispatchCampaign attempts: 1 (jobs.yaml: 5)": "names only",
    'CampaignQueue/DispatchCampaign removeOnComplete: {"age":3600,"count":1000} (jobs.yaml: true)':
      "names only",
    "CampaignQueue/DispatchCampaign payload: none (jobs.yaml: schemas/payloads/dispatch-campaign.json)":
      "names only",
  },
  // test/helpers/campaigns.ts, for campaign-flows, campaign-cluster and campaign-crash.
  "campaignFixture()": {
    "CampaignQueue concurrency: 5 (jobs.yaml: 10)": "campaignFixture(concurrency) sets it per test",
    'CampaignQueue/VerifyCampaignsDaatabase repeat: {"cron":"0 0 0 1 1 *","tz":"UTC"} (jobs.yaml: {"cron":"*/20 * * * * *","tz":"UTC"})':
      CRON_BY_HAND,
    'CampaignQueue/ProcessCampaign backoff: {"type":"fixed","delay":200} (jobs.yaml: {"type":"exponential","delay":5000})':
      FAST_RETRY,
    'CampaignQueue/PrepareContact backoff: {"type":"fixed","delay":200} (jobs.yaml: {"type":"exponential","delay":5000})':
      FAST_RETRY,
    "CampaignQueue/DispatchCampaign attempts: 3 (jobs.yaml: 5)":
      "a failing sender runs out of attempts within the test (campaign-flows, DISCONNECTED)",
    'CampaignQueue/DispatchCampaign backoff: {"type":"fixed","delay":300} (jobs.yaml: {"type":"chatia","options":{"type":"exponential","delayMs":10000,"maxDelayMs":600000,"jitter":0.2}})': `${FAST_RETRY}; the shipped backoff is observed in real Bull by shipped-jobs.test.ts`,
  },
  // test/helpers/schedule-cluster.ts (schedules-cluster test, bench/schedules.ts): as shipped.
  SCHEDULE_MANIFEST: {},
};

/** A value as the lines below show it. */
function show(value: unknown): string {
  return JSON.stringify(value);
}

/** The differences of `standIn` from `shipped`, one line each: "<where> <what>: <value> (jobs.yaml: <value>)". */
function differences(standIn: Plan, shipped: Plan): string[] {
  const lines: string[] = [];
  const shippedQueues = new Map(shipped.queues.map((q) => [q.name, q]));
  const shippedJobs = new Map(shipped.queues.flatMap((q) => q.jobs).map((j) => [j.key, j]));
  const byFlow = new Map(shipped.queues.flatMap((q) => q.jobs).map((j) => [j.flow, j]));
  const differ = (where: string, what: string, mine: unknown, theirs: unknown) => {
    if (show(mine) !== show(theirs))
      lines.push(`${where} ${what}: ${show(mine)} (jobs.yaml: ${show(theirs)})`);
  };
  for (const queue of standIn.queues) {
    const theirs = shippedQueues.get(queue.name);
    const shippedJobsHere = queue.jobs.filter((j) => shippedJobs.has(j.key));
    if (theirs && shippedJobsHere.length > 0) {
      for (const what of ["concurrency", "rateLimit", "bullLimiter", "settings"] as const)
        differ(queue.name, what, queue[what], (theirs as QueuePlan)[what]);
    }
    for (const job of queue.jobs) {
      const shippedJob = shippedJobs.get(job.key);
      if (!shippedJob) {
        const served = byFlow.get(job.flow);
        if (served) lines.push(`${job.key} runs ${job.flow}, the flow of ${served.key}`);
        continue;
      }
      for (const what of ["flow", "enabled", "timeoutMs", "repeat", "data"] as const)
        differ(job.key, what, job[what], shippedJob[what]);
      for (const [what, mine] of Object.entries(job.options))
        differ(job.key, what, mine, shippedJob.options[what as keyof JobPlan["options"]]);
      if (show(schemaOf(job)) !== show(schemaOf(shippedJob))) {
        const where = (j: JobPlan) =>
          j.payloadSchema === undefined ? "none" : path.relative(REPO_ROOT, j.payloadSchema);
        lines.push(`${job.key} payload: ${where(job)} (jobs.yaml: ${where(shippedJob)})`);
      }
    }
  }
  return lines;
}

function schemaOf(job: JobPlan): unknown {
  return job.payloadSchema === undefined
    ? undefined
    : JSON.parse(readFileSync(job.payloadSchema, "utf8"));
}

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

async function shippedPlan(): Promise<Plan> {
  return compile(await loadManifest(path.join(REPO_ROOT, "jobs.yaml"), { env: {} }));
}

async function planOf(file: string, asIfAt = file): Promise<Plan> {
  const text = readFileSync(file, "utf8");
  return compile(await parseManifest(text, asIfAt, { env: fixtureEnv(text) }));
}

/** Every stand-in manifest, by the name EXPECTED knows it by. */
async function standIns(): Promise<Map<string, Plan>> {
  const plans = new Map<string, Plan>();
  const files = [
    ...readdirSync(path.join(FIXTURES, "runtime")).map((d) =>
      path.join(FIXTURES, "runtime", d, "jobs.yaml"),
    ),
    ...["api", "api-campaigns", "browser"].map((d) => path.join(FIXTURES, d, "jobs.yaml")),
  ];
  for (const file of files) {
    // daily-cap's manifest runs in a copy of the pacing fixture (its flow and payload schema).
    const asIfAt = file.includes(`${path.sep}daily-cap${path.sep}`)
      ? path.join(FIXTURES, "runtime", "pacing", "jobs.yaml")
      : file;
    plans.set(path.relative(REPO_ROOT, file), await planOf(file, asIfAt));
  }
  const campaigns = await campaignFixture();
  cleanup.push(campaigns);
  plans.set("campaignFixture()", await planOf(path.join(campaigns, "jobs.yaml")));
  plans.set(
    "SCHEDULE_MANIFEST",
    compile(
      await parseManifest(SCHEDULE_MANIFEST, path.join(REPO_ROOT, "schedule-cluster.yaml"), {
        env: {},
      }),
    ),
  );
  return plans;
}

/** Files under `dir`, recursively, relative to the repository. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(REPO_ROOT, path.join(entry.parentPath, entry.name)));
}

describe("stand-ins for the shipped jobs", () => {
  it("differ from jobs.yaml exactly as documented, each difference with its reason", async () => {
    const shipped = await shippedPlan();
    const found: Record<string, string[]> = {};
    for (const [name, plan] of await standIns()) {
      const lines = differences(plan, shipped);
      if (lines.length > 0 || name in EXPECTED) found[name] = lines.sort();
    }
    const documented = Object.fromEntries(
      Object.entries(EXPECTED).map(([name, lines]) => [name, Object.keys(lines).sort()]),
    );
    expect(found).toEqual(documented);
    for (const lines of Object.values(EXPECTED))
      for (const [line, reason] of Object.entries(lines)) expect(reason, line).not.toBe("");
  });

  it("copies of shipped flows in the fixtures are the shipped flows, byte for byte", () => {
    const copies = filesUnder(FIXTURES).filter(
      (file) =>
        !file.startsWith("test/fixtures/flows/") &&
        path.basename(path.dirname(file)) === "flows" &&
        SHIPPED_FLOWS.has(path.basename(file)),
    );
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      expect(readFileSync(path.join(REPO_ROOT, copy), "utf8"), copy).toBe(
        readFileSync(path.join(REPO_ROOT, "flows", path.basename(copy)), "utf8"),
      );
    }
  });

  it("copies of shipped payload schemas in the fixtures are the shipped schemas", () => {
    const shippedSchemas = new Set(readdirSync(SHIPPED_SCHEMAS));
    const copies = filesUnder(path.join(FIXTURES, "runtime")).filter(
      (file) => !file.includes("/flows/") && shippedSchemas.has(path.basename(file)),
    );
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      expect(readFileSync(path.join(REPO_ROOT, copy), "utf8"), copy).toBe(
        readFileSync(path.join(SHIPPED_SCHEMAS, path.basename(copy)), "utf8"),
      );
    }
  });
});
