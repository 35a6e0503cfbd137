// The pure rules of scheduled messages: when a recurring schedule's next occurrence is, and the
// text an occurrence sends. Calendar units count on the company's wall clock, so that "every
// month from Jan 31, 10:00" is Feb 28 (or 29), 10:00 there — not 30 days later (SPEC defect 2).
import { ChatiaError } from "../errors";
import {
  markMessage,
  renderTicketTemplate,
  TICKET_MESSAGE_MARK,
  type TicketTemplateVars,
} from "./message-template";
import { fromWallClock, wallClock } from "./wall-clock";

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

export interface ScheduledTextInput {
  readonly body: string;
  /** The author's name when the message is signed (`assinar` with a user), else null. */
  readonly signedBy: string | null;
  /** The ticket template's values when the schedule opens a ticket; null sends the body as written. */
  readonly variables: TicketTemplateVars | null;
}

/**
 * The text WhatsApp gets: U+200E and a space (so the inbound listener can tell bot messages
 * apart), then `*Author:*\n` when signed, then the body — rendered as a ticket template
 * (renderTicketTemplate) when the schedule opens a ticket.
 */
export function scheduledText(input: ScheduledTextInput): string {
  const body = input.body.trim();
  const signed = input.signedBy === null ? body : `*${input.signedBy}:*\n${body}`;
  const text = input.variables ? renderTicketTemplate(signed, input.variables) : signed;
  return markMessage(TICKET_MESSAGE_MARK, text);
}
