// Wall-clock arithmetic in an IANA time zone, without a date library: what a company's clock
// reads at an instant, and the instant at which it reads a given time.

/** The wall-clock time of `date` in `timeZone`, as epoch ms of that time read as UTC. */
export function wallClock(date: Date, timeZone: string): number {
  const parts = formatter(timeZone).formatToParts(date);
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
export function fromWallClock(wall: number, timeZone: string): Date {
  let instant = wall - (wallClock(new Date(wall), timeZone) - wall);
  instant = wall - (wallClock(new Date(instant), timeZone) - instant);
  return new Date(instant);
}

/** Formatters are costly to build; one per zone is kept (zones are few). */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}
