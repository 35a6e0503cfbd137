// Checks the schema cannot express: crons parse, time zones exist, flows are not shared, payload
// schemas exist and compile, retry waits stay sane. They run even when the schema found problems
// (so every problem is reported at once), hence the defensive reading of the data.
import path from "node:path";
import type { ErrorCode } from "../errors";
import { assertCronParses, cronFieldCount } from "./cron";
import { effectiveJobOptions } from "./job-options";
import { describePayloadErrors, loadPayloadSchema } from "./payload-schemas";
import { toPointer } from "./problems";
import { didYouMean } from "./schema-errors";
import type { JobSpec, ManifestDocument, QueueSpec } from "./types";

export type Reporter = (
  pointer: string,
  code: ErrorCode,
  message: string,
  hint?: string,
  atKey?: boolean,
) => void;

/** A check run on a schema-valid manifest (the runtime adds its flow checks this way). */
export type ManifestCheck = (
  manifest: ManifestDocument,
  context: {
    readonly dir: string;
    readonly report: Reporter;
    /** For what leaves the manifest valid but is worth saying. */
    readonly warn: Reporter;
  },
) => void | Promise<void>;

/** The longest single retry wait we accept without an explicit `maxDelay`: 30 days. */
const MAX_UNBOUNDED_WAIT_MS = 30 * 24 * 3600 * 1000;

interface JobEntry {
  readonly queueName: string;
  readonly jobName: string;
  readonly queue: QueueSpec;
  readonly job: JobSpec;
  readonly pointer: string;
}

export async function semanticChecks(data: unknown, dir: string, report: Reporter): Promise<void> {
  const jobs = jobEntries(data);
  checkFlowsUnique(jobs, report);
  let sendsPacedBy: string | undefined;
  for (const [queueName, queue] of objectEntries(objectAt(data, "queues"))) {
    const limiter = objectAt(queue, "limiter");
    const pointer = toPointer(["queues", queueName, "limiter"]);
    checkDailyCap(limiter, pointer, report);
    if (!pacesSends(limiter)) continue;
    if (sendsPacedBy === undefined) sendsPacedBy = queueName;
    else
      report(
        `${pointer}/per`,
        "CF_MANIFEST_CONFLICT",
        `the WhatsApp connections' send pace (and daily cap) is already the limiter of queue ${sendsPacedBy}`,
        `a limiter per whatsappId paces every send through a connection, whatever the queue; keep it on one queue, or pace ${queueName} per another key`,
        true,
      );
  }
  for (const entry of jobs) {
    checkCron(entry, report);
    checkBackoff(data as ManifestDocument, entry, report);
  }
  await checkPayloads(jobs, dir, report);
}

function jobEntries(data: unknown): JobEntry[] {
  const entries: JobEntry[] = [];
  for (const [queueName, queue] of objectEntries(objectAt(data, "queues"))) {
    for (const [jobName, job] of objectEntries(objectAt(queue, "jobs"))) {
      if (!isObject(job)) continue;
      const pointer = toPointer(["queues", queueName, "jobs", jobName]);
      entries.push({
        queueName,
        jobName,
        queue: queue as QueueSpec,
        job: job as unknown as JobSpec,
        pointer,
      });
    }
  }
  return entries;
}

function checkFlowsUnique(jobs: readonly JobEntry[], report: Reporter): void {
  const owners = new Map<string, string>();
  for (const { queueName, jobName, job, pointer } of jobs) {
    if (typeof job.flow !== "string") continue;
    const owner = owners.get(job.flow);
    if (owner === undefined) owners.set(job.flow, `${queueName}/${jobName}`);
    else
      report(
        `${pointer}/flow`,
        "CF_MANIFEST_FLOW_REUSED",
        `flow "${job.flow}" is already the handler of ${owner}`,
        "each job needs a flow of its own, with one `job in` node for it",
      );
  }
}

function checkCron({ job, pointer }: JobEntry, report: Reporter): void {
  const tzValid = typeof job.tz === "string" && checkTimeZone(job.tz, `${pointer}/tz`, report);
  if (job.cron === undefined) {
    if (job.tz !== undefined)
      report(
        `${pointer}/tz`,
        "CF_MANIFEST_CONFLICT",
        "tz is set but the job has no cron",
        "remove tz, or add a cron trigger",
        true,
      );
    if (job.data !== undefined)
      report(
        `${pointer}/data`,
        "CF_MANIFEST_CONFLICT",
        "data is set but the job has no cron",
        "enqueued jobs bring their own data; remove it, or add a cron trigger",
        true,
      );
    return;
  }
  if (typeof job.cron !== "string") return;
  const fields = cronFieldCount(job.cron);
  if (fields !== 5 && fields !== 6) {
    report(
      `${pointer}/cron`,
      "CF_MANIFEST_CRON",
      `cron "${job.cron}" has ${fields} field${fields === 1 ? "" : "s"}`,
      "write 5 fields (minute hour day month weekday) or 6 (seconds first)",
    );
    return;
  }
  try {
    assertCronParses(job.cron, tzValid ? job.tz : undefined);
  } catch (err) {
    report(
      `${pointer}/cron`,
      "CF_MANIFEST_CRON",
      `cron "${job.cron}" does not parse: ${(err as Error).message}`,
    );
  }
}

/** A limiter per whatsappId paces WhatsApp sends per connection (compile.ts: `paces: "sends"`). */
function pacesSends(limiter: unknown): boolean {
  return (
    isObject(limiter) &&
    typeof limiter.per === "string" &&
    limiter.per.split(".").at(-1) === "whatsappId"
  );
}

/** A daily cap counts WhatsApp sends per connection: only a limiter per whatsappId has them. */
function checkDailyCap(limiter: unknown, pointer: string, report: Reporter): void {
  if (!isObject(limiter)) return;
  const { dailyCap, dailyCapTz } = limiter;
  if (typeof dailyCapTz === "string") checkTimeZone(dailyCapTz, `${pointer}/dailyCapTz`, report);
  if (dailyCap === undefined) {
    if (dailyCapTz !== undefined)
      report(
        `${pointer}/dailyCapTz`,
        "CF_MANIFEST_CONFLICT",
        "dailyCapTz is set but the limiter has no dailyCap",
        "remove dailyCapTz, or add dailyCap",
        true,
      );
    return;
  }
  if (!pacesSends(limiter))
    report(
      `${pointer}/dailyCap`,
      "CF_MANIFEST_CONFLICT",
      "dailyCap counts WhatsApp sends per connection, but this limiter is not per whatsappId",
      "set per: whatsappId, or remove dailyCap",
      true,
    );
}

let zones: string[] | undefined;

function checkTimeZone(tz: string, pointer: string, report: Reporter): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    zones ??= Intl.supportedValuesOf("timeZone");
    const hint = didYouMean(tz, zones) ?? "use an IANA zone such as America/Sao_Paulo or UTC";
    report(pointer, "CF_MANIFEST_TZ", `"${tz}" is not an IANA time zone`, hint);
    return false;
  }
}

function checkBackoff(
  manifest: ManifestDocument,
  { queue, job, pointer }: JobEntry,
  report: Reporter,
): void {
  let options: ReturnType<typeof effectiveJobOptions>;
  try {
    options = effectiveJobOptions(
      isObject(manifest) ? manifest : {},
      isObject(queue) ? queue : {},
      job,
    );
  } catch {
    return;
  }
  const { backoff, attempts } = options;
  if (!isObject(backoff) || typeof backoff.delay !== "number" || typeof attempts !== "number")
    return;
  const where = job.backoff !== undefined ? `${pointer}/backoff` : pointer;
  if (typeof backoff.maxDelay === "number" && backoff.maxDelay < backoff.delay) {
    report(
      `${where}`,
      "CF_MANIFEST_CONFLICT",
      `backoff maxDelay ${backoff.maxDelay} is below its delay ${backoff.delay}`,
      "maxDelay caps each wait; make it at least delay",
    );
    return;
  }
  if (backoff.type === "exponential" && backoff.maxDelay === undefined) {
    const longest = (2 ** (attempts - 1) - 1) * backoff.delay;
    if (longest > MAX_UNBOUNDED_WAIT_MS) {
      report(
        where,
        "CF_MANIFEST_CONFLICT",
        `with ${attempts} attempts the exponential backoff's last wait is ${Math.round(longest / 86_400_000)} days`,
        "set backoff.maxDelay, or fewer attempts",
      );
    }
  }
}

async function checkPayloads(
  jobs: readonly JobEntry[],
  dir: string,
  report: Reporter,
): Promise<void> {
  for (const { job, pointer } of jobs) {
    if (typeof job.payload !== "string" || job.payload === "") continue;
    const result = await loadPayloadSchema(path.resolve(dir, job.payload));
    if (!result.ok) {
      const code =
        result.reason === "missing" ? "CF_MANIFEST_PAYLOAD_MISSING" : "CF_MANIFEST_PAYLOAD_INVALID";
      report(`${pointer}/payload`, code, `payload schema ${job.payload} ${result.message}`);
      continue;
    }
    if (isObject(job.data) && !result.validate(job.data)) {
      const errors = describePayloadErrors(result.validate.errors, "data").join("; ");
      report(
        `${pointer}/data`,
        "CF_MANIFEST_DATA_INVALID",
        `data does not satisfy ${job.payload}: ${errors}`,
      );
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function objectAt(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined;
}

function objectEntries(value: unknown): [string, unknown][] {
  return isObject(value) ? Object.entries(value) : [];
}
