// The fault suite's short versions (the same scenarios as `npm run chaos`, test/chaos/faults.ts):
// on a private Postgres cluster and private Redis servers, during a paced campaign, a burst of
// SendMessage jobs and the crons of the real jobs.yaml, each fault is injected and healed. Every
// message is sent exactly once (or, only where a send itself was cut, visibly in doubt) and the
// campaign finishes. Outcomes are asserted, not timings; the table is printed for the record.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ChaosLab,
  FAULTS,
  type FaultRow,
  formatTable,
  inDoubtAllowed,
  passes,
  SHORT,
} from "../../chaos/faults";

let lab: ChaosLab | undefined;
const rows: FaultRow[] = [];

beforeAll(async () => {
  lab = await ChaosLab.open();
}, 120_000);

afterAll(async () => {
  await lab?.close();
  if (rows.length > 0) console.log(`fault suite (short sizes):\n${formatTable(rows)}`);
}, 60_000);

describe("faults during a campaign, a burst and the crons", () => {
  for (const fault of FAULTS) {
    it(`${fault}: nothing lost, nothing sent twice, campaign FINALIZADA`, async () => {
      const row = await (lab as ChaosLab).run(fault, SHORT);
      rows.push(row);
      expect(row).toMatchObject({ lost: 0, twice: 0, campaign: "FINALIZADA" });
      expect(row.inFlight).toBeGreaterThan(0);
      // Only a send SIGKILL cut inside WhatsApp's hands may be in doubt.
      expect(row.inDoubt).toBeLessThanOrEqual(inDoubtAllowed(fault));
      // The table's "pass" column is the same criterion (recovery time aside: timings vary here).
      expect(passes(row)).toBe(true);
    }, 300_000);
  }
});
