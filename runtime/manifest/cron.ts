// Cron expressions as chatia-flow reads them: 5 fields, or 6 with seconds first; in an IANA zone.
import { CronExpressionParser } from "cron-parser";
import cronstrue from "cronstrue";

/** Number of whitespace-separated fields of a cron expression. */
export function cronFieldCount(cron: string): number {
  return cron.trim().split(/\s+/).length;
}

/** Throws when the expression does not parse (the message says why). */
export function assertCronParses(cron: string, tz?: string): void {
  CronExpressionParser.parse(cron, tz === undefined ? {} : { tz });
}

/** The next `count` fire times after `from`. */
export function nextRuns(cron: string, tz: string, from: Date, count: number): Date[] {
  return CronExpressionParser.parse(cron, { tz, currentDate: from })
    .take(count)
    .map((d) => d.toDate());
}

/** The expression in English words, e.g. "Every 20 seconds", "At 03:15". */
export function describeCron(cron: string): string {
  return cronstrue.toString(cron, { use24HourTimeFormat: true, throwExceptionOnParseError: false });
}
