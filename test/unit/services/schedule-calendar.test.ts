// The pure rules of scheduled messages: recurrence on the company's calendar (SPEC defect 2) and
// the text an occurrence sends (U+200E prefix, signature, ticket variables).
import { describe, expect, it } from "vitest";
import { ChatiaError } from "../../../runtime/errors";
import { greeting } from "../../../runtime/services/message-template";
import {
  intervalUnit,
  nextOccurrence,
  scheduledText,
} from "../../../runtime/services/schedule-calendar";

const SP = "America/Sao_Paulo";

describe("nextOccurrence", () => {
  it("adds calendar months: Jan 31 + 1 month is Feb 29 in 2028 and Feb 28 in 2027, same local time", () => {
    // 10:00 in São Paulo (UTC-3) is 13:00 UTC; the original's +30 days gave Mar 1 / Mar 2.
    expect(nextOccurrence(new Date("2028-01-31T13:00:00Z"), "months", 1, SP).toISOString()).toBe(
      "2028-02-29T13:00:00.000Z",
    );
    expect(nextOccurrence(new Date("2027-01-31T13:00:00Z"), "months", 1, SP).toISOString()).toBe(
      "2027-02-28T13:00:00.000Z",
    );
    expect(nextOccurrence(new Date("2027-01-15T13:00:00Z"), "months", 3, SP).toISOString()).toBe(
      "2027-04-15T13:00:00.000Z",
    );
  });

  it("counts months on the company's calendar, not UTC's", () => {
    // Jan 31, 22:30 in São Paulo is already Feb 1 in UTC: a UTC month would give Mar 1 local.
    const next = nextOccurrence(new Date("2027-02-01T01:30:00Z"), "months", 1, SP);
    expect(next.toISOString()).toBe("2027-03-01T01:30:00.000Z"); // Feb 28, 22:30 local
  });

  it("keeps the local time across a DST change for days and weeks; minutes are absolute", () => {
    const ny = "America/New_York"; // DST starts 2027-03-14
    const before = new Date("2027-03-13T14:00:00Z"); // 09:00 EST
    expect(nextOccurrence(before, "days", 1, ny).toISOString()).toBe("2027-03-14T13:00:00.000Z");
    expect(nextOccurrence(before, "weeks", 2, SP).toISOString()).toBe("2027-03-27T14:00:00.000Z");
    expect(nextOccurrence(before, "minutes", 90, ny).toISOString()).toBe(
      "2027-03-13T15:30:00.000Z",
    );
  });

  it("knows intervalo 1–4 and refuses others as CF_SCHEDULE_INVALID", () => {
    expect([1, 2, 3, 4].map(intervalUnit)).toEqual(["days", "weeks", "months", "minutes"]);
    expect(() => intervalUnit(7)).toThrow(ChatiaError);
    expect(() => intervalUnit(7)).toThrow(/intervalo must be/);
  });
});

describe("scheduledText", () => {
  const now = new Date("2027-05-10T12:00:00Z"); // 09:00 in São Paulo

  it("prefixes U+200E and a space, and signs with *User Name:* and a line break", () => {
    expect(scheduledText({ body: "  Lembrete  ", signedBy: "Ana Souza", variables: null })).toBe(
      "\u200e *Ana Souza:*\nLembrete",
    );
    expect(scheduledText({ body: "Oi {{name}}", signedBy: null, variables: null })).toBe(
      "\u200e Oi {{name}}",
    );
  });

  it("renders the ticket template when the schedule opens a ticket, unescaped; unknown tags empty", () => {
    const text = scheduledText({
      body: "{{ms}}, {{firstName}}! ({{ name }}) {{protocol}}{{unknown}}",
      signedBy: null,
      variables: { contactName: "João D'Ávila", ticketId: 42, now, timeZone: SP },
    });
    expect(text).toBe("\u200e Bom dia, João! (João D'Ávila) 2027051009000042");
  });

  it("greets by the hour in the company's time zone", () => {
    expect(greeting(new Date("2027-05-10T16:00:00Z"), SP)).toBe("Boa tarde"); // 13:00
    expect(greeting(new Date("2027-05-10T22:00:00Z"), SP)).toBe("Boa noite"); // 19:00
    expect(greeting(new Date("2027-05-10T22:00:00Z"), "Asia/Tokyo")).toBe("Bom dia"); // 07:00
  });
});
