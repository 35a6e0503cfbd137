// The compiled plan in words, for `chatia-flow plan`: per queue its concurrency and rate limit, per
// job its options, its cron in words and its next runs in its own time zone.
import type { BullJobOptions, JobPlan, Plan, QueuePlan } from "../compile";
import { describeCron, displayPath, type KeepJobs, nextRuns } from "../manifest";
import { plainStyle, type Style } from "./style";

export interface FormatPlanOptions {
  /** Time the next runs are computed from. */
  readonly now: Date;
  /** How many next runs to list per cron job. @defaultValue 3 */
  readonly runs?: number;
  readonly style?: Style;
  /** Paths are shown relative to this folder. */
  readonly cwd?: string;
}

export function formatPlan(plan: Plan, options: FormatPlanOptions): string {
  const style = options.style ?? plainStyle;
  const cwd = options.cwd ?? process.cwd();
  const jobs = plan.queues.flatMap((q) => q.jobs);
  const enabled = jobs.filter((j) => j.enabled).length;
  const header = `Plan for ${displayPath(plan.source, cwd)}: ${count(plan.queues.length, "queue")}, ${count(jobs.length, "job")} (${enabled} enabled)`;
  const sections = plan.queues.map((queue) => formatQueue(queue, { ...options, style, cwd }));
  return [style.bold(header), ...sections].join("\n\n");
}

function formatQueue(
  queue: QueuePlan,
  options: FormatPlanOptions & { style: Style; cwd: string },
): string {
  const { style } = options;
  const title = `${style.bold(queue.name)}${queue.description ? style.dim(`  ${queue.description}`) : ""}`;
  const limit = queue.rateLimit
    ? `rate limit ${queue.rateLimit.max} per ${duration(queue.rateLimit.durationMs)}${queue.rateLimit.per ? ` per ${queue.rateLimit.per}` : ""}${queue.rateLimit.paces === "sends" ? " (each WhatsApp send)" : ""}${queue.rateLimit.jitterMs ? ` + up to ${duration(queue.rateLimit.jitterMs)} jitter` : ""}`
    : "no rate limit";
  const lines = [title, `  concurrency ${queue.concurrency} per worker · ${limit}`];
  for (const job of queue.jobs) lines.push(...formatJob(job, options));
  return lines.join("\n");
}

function formatJob(
  job: JobPlan,
  options: FormatPlanOptions & { style: Style; cwd: string },
): string[] {
  const { style } = options;
  const state = job.enabled ? style.green("enabled") : style.yellow("disabled");
  const lines = [`  ${style.bold(job.name)} → flow ${job.flow}  [${state}]`];
  if (job.description) lines.push(style.dim(`      ${job.description}`));
  if (job.repeat) {
    const { cron, tz } = job.repeat;
    lines.push(`      cron "${cron}" (${tz}): ${describeCron(cron)}`);
    const runs = nextRuns(cron, tz, options.now, options.runs ?? 3).map((d) => formatInZone(d, tz));
    lines.push(`      next: ${runs.join(", ")}`);
  } else {
    lines.push("      enqueued by producers");
  }
  if (job.payloadSchema) lines.push(`      payload ${displayPath(job.payloadSchema, options.cwd)}`);
  lines.push(`      ${formatOptions(job.options)} · timeout ${duration(job.timeoutMs)}`);
  lines.push(
    `      keep completed: ${keep(job.options.removeOnComplete)} · keep failed: ${keep(job.options.removeOnFail)}`,
  );
  return lines;
}

function formatOptions(options: BullJobOptions): string {
  const parts = [options.attempts === 1 ? "1 attempt (no retry)" : `${options.attempts} attempts`];
  const backoff = options.backoff;
  if (backoff && options.attempts > 1) {
    if (!("options" in backoff)) {
      parts.push(`backoff ${backoff.type} ${duration(backoff.delay)}`);
    } else {
      const o = backoff.options;
      const cap = o.maxDelayMs === undefined ? "" : `, max ${duration(o.maxDelayMs)}`;
      const jitter = o.jitter ? `, jitter ${Math.round(o.jitter * 100)}%` : "";
      parts.push(`backoff ${o.type} ${duration(o.delayMs)}${cap}${jitter}`);
    }
  }
  if (options.priority !== undefined) parts.push(`priority ${options.priority}`);
  if (options.delay > 0) parts.push(`delay ${duration(options.delay)}`);
  return parts.join(" · ");
}

function keep(rule: KeepJobs): string {
  if (rule === true) return "none";
  if (rule === false) return "all";
  if (typeof rule === "number") return `latest ${rule}`;
  const parts = [];
  if (rule.age !== undefined) parts.push(`${duration(rule.age * 1000)}`);
  if (rule.count !== undefined) parts.push(`at most ${rule.count}`);
  return parts.join(", ");
}

/** 1500 → "1.5 s", 300000 → "5 min", 86400000 → "1 d". */
export function duration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "min"],
    [1000, "s"],
  ];
  for (const [size, unit] of units) {
    if (ms >= size) return `${Number((ms / size).toFixed(1))} ${unit}`;
  }
  return `${ms} ms`;
}

/** "2026-11-28 03:15:00 GMT-3" */
export function formatInZone(date: Date, tz: string): string {
  const local = new Intl.DateTimeFormat("sv-SE", {
    timeZone: tz,
    dateStyle: "short",
    timeStyle: "medium",
  }).format(date);
  const offset = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "shortOffset" })
    .formatToParts(date)
    .find((p) => p.type === "timeZoneName")?.value;
  if (tz === "UTC" || tz === "Etc/UTC") return `${local} UTC`;
  return offset ? `${local} ${offset}` : local;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
