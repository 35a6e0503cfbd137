// A campaign's pacing (CampaignSettings, per company, in seconds) and the instant each contact
// is due. Pure functions.
//
// The rule: contacts go out in list order, the first at the start; after each message the next
// one waits `messageInterval` seconds, except after every `longerIntervalAfter`-th message, when
// it waits `greaterInterval` seconds instead (`longerIntervalAfter` 0: never). So the contact at
// zero-based position i is due at
//
//   start + (i − ⌊i / L⌋) · messageInterval + ⌊i / L⌋ · greaterInterval      (L = longerIntervalAfter)
//
// The original meant the same settings but converted `greaterInterval` (and `longerIntervalAfter`)
// to milliseconds and then added them as seconds, and added `messageInterval` seconds as
// milliseconds to each delay: its gaps were ~1000× off (SPEC §4 defect 5).

/** The pacing settings, in seconds (`longerIntervalAfter` is a count of messages). */
export interface CampaignPacing {
  /** Seconds between two messages. @defaultValue 20 */
  readonly messageInterval: number;
  /** Every this many messages the gap is `greaterInterval` instead; 0 never. @defaultValue 20 */
  readonly longerIntervalAfter: number;
  /** Seconds of the longer gap. @defaultValue 60 */
  readonly greaterInterval: number;
}

/** The original's defaults, used for a setting a company has not saved. */
export const DEFAULT_PACING: CampaignPacing = {
  messageInterval: 20,
  longerIntervalAfter: 20,
  greaterInterval: 60,
};

/** Milliseconds after the start at which the contact at zero-based `position` is due. */
export function dueOffsetMs(pacing: CampaignPacing, position: number): number {
  const L = Math.floor(pacing.longerIntervalAfter);
  const longer = L > 0 ? Math.floor(position / L) : 0;
  const seconds = (position - longer) * pacing.messageInterval + longer * pacing.greaterInterval;
  return Math.round(seconds * 1000);
}

/**
 * The pacing in a company's CampaignSettings rows (`key` → JSON text, as the original stores
 * them). A missing, unparsable or negative value takes its default.
 */
export function parsePacing(rows: Readonly<Record<string, string | null>>): CampaignPacing {
  const read = (key: keyof CampaignPacing): number => {
    const raw = rows[key];
    if (raw === undefined || raw === null) return DEFAULT_PACING[key];
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // A bare number stored as text ("20") parses above; anything else falls to the default.
    }
    const n = typeof value === "string" ? Number(value) : value;
    return typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : DEFAULT_PACING[key];
  };
  return {
    messageInterval: read("messageInterval"),
    longerIntervalAfter: read("longerIntervalAfter"),
    greaterInterval: read("greaterInterval"),
  };
}
