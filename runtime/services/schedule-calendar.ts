// The pure rules of scheduled messages: when a recurring schedule's next occurrence is, and the
// text an occurrence sends. Calendar units count on the company's wall clock, so that "every
// month from Jan 31, 10:00" is Feb 28 (or 29), 10:00 there — not 30 days later (SPEC defect 2).
import { ChatiaError } from "../errors";

/** `intervalo`: the unit of a recurrence, as the original numbers it. */
export const INTERVAL_UNITS = { 1: "days", 2: "weeks", 3: "months", 4: "minutes" } as const;
export type IntervalUnit = (typeof INTERVAL_UNITS)[keyof typeof INTERVAL_UNITS];

/** The unit of `intervalo`; CF_SCHEDULE_INVALID when it is not 1–4. */
export function intervalUnit(intervalo: number): IntervalUnit {
  const unit = (INTERVAL_UNITS as Record<number, IntervalUnit | undefined>)[intervalo];
  if (unit) return unit;
  throw new ChatiaError(
    "CF_SCHEDULE_INVALID",
    `intervalo must be 1 (days), 2 (weeks), 3 (months) or 4 (minutes), got ${intervalo}`,
  );
}

/** `sendAt` plus `count` units; days, weeks and months keep the wall-clock time in `timeZone`. */
export function nextOccurrence(
  sendAt: Date,
  unit: IntervalUnit,
  count: number,
  timeZone: string,
): Date {
  if (unit === "minutes") return new Date(sendAt.getTime() + count * 60_000);
  const wall = new Date(wallClock(sendAt, timeZone));
  const [y, m, d] = [wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate()];
  const time = wall.getTime() - Date.UTC(y, m, d);
  if (unit === "months") {
    // Clamp to the target month's last day: Jan 31 + 1 month = Feb 28/29.
    const lastDay = new Date(Date.UTC(y, m + count + 1, 0)).getUTCDate();
    return fromWallClock(Date.UTC(y, m + count, Math.min(d, lastDay)) + time, timeZone);
  }
  const days = unit === "weeks" ? 7 * count : count;
  return fromWallClock(Date.UTC(y, m, d + days) + time, timeZone);
}

/** The greeting of `{{ms}}` at `now` in `timeZone`: Bom dia (06–11h), Boa tarde (12–17h), else Boa noite. */
export function greeting(now: Date, timeZone: string): string {
  const hour = new Date(wallClock(now, timeZone)).getUTCHours();
  if (hour > 5 && hour <= 11) return "Bom dia";
  if (hour > 11 && hour <= 17) return "Boa tarde";
  return "Boa noite";
}

export interface ScheduledTextInput {
  readonly body: string;
  /** The author's name when the message is signed (`assinar` with a user), else null. */
  readonly signedBy: string | null;
  /** Ticket variables (`{{name}}`, `{{firstName}}`, `{{ms}}`) when the schedule opens a ticket. */
  readonly variables: {
    readonly contactName: string;
    readonly now: Date;
    readonly timeZone: string;
  } | null;
}

/**
 * The text WhatsApp gets: U+200E and a space (so the inbound listener can tell bot messages
 * apart), then `*Author:*\n` when signed, then the body. Only `{{name}}`, `{{firstName}}` and
 * `{{ms}}` are filled; other `{{…}}` are left as written. Values are not HTML-escaped.
 */
export function scheduledText(input: ScheduledTextInput): string {
  const body = input.body.trim();
  const signed = input.signedBy === null ? body : `*${input.signedBy}:*\n${body}`;
  return `\u200e ${input.variables ? fillVariables(signed, input.variables) : signed}`;
}

function fillVariables(
  text: string,
  v: { readonly contactName: string; readonly now: Date; readonly timeZone: string },
): string {
  const values: Record<string, string> = {
    name: v.contactName,
    firstName: v.contactName.trim().split(/\s+/)[0] ?? "",
    ms: greeting(v.now, v.timeZone),
  };
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (all, key: string) => values[key] ?? all);
}

/** The wall-clock time of `date` in `timeZone`, as epoch ms of that time read as UTC. */
function wallClock(date: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes) =>
    Number(parts.find((p) => p.type === type)?.value ?? 0);
  const utc = Date.UTC(
    get("year"),
    get("month") - 1,
    get("day"),
    get("hour"),
    get("minute"),
    get("second"),
  );
  return utc + date.getUTCMilliseconds();
}

/** The instant whose wall-clock time in `timeZone` is `wall` (two passes settle DST offsets). */
function fromWallClock(wall: number, timeZone: string): Date {
  let instant = wall - (wallClock(new Date(wall), timeZone) - wall);
  instant = wall - (wallClock(new Date(instant), timeZone) - instant);
  return new Date(instant);
}
