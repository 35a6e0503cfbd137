// Per-connection pacing across worker processes: each connection's sends are at least one window
// apart, whichever worker sends them, and 3 connections go about 3× as fast as one.
import { describe, expect, it } from "vitest";
import { runPacingScenario } from "../../helpers/pacing";

describe("per-connection pacing", () => {
  it("spaces each connection's sends by its window, with two workers sharing the work", {
    timeout: 120_000,
  }, async () => {
    const windowMs = 400;
    const perConnection = 8;
    const result = await runPacingScenario({ windowMs, connections: 3, perConnection });
    expect(result.totalSends).toBe(3 * perConnection);
    for (const connection of result.perConnection) {
      expect(connection.sends).toBe(perConnection);
      // Slots are reserved a window apart on Redis's clock; a send runs when its process gets to
      // it, so one that starts late (a loaded machine) may start closer to the next than a
      // window: a tenth of it is what a busy 2-core machine was seen to take (15 ms at 400 ms).
      expect(connection.minGapMs).toBeGreaterThanOrEqual(windowMs * 0.9);
    }
    // Both workers sent; the connections ran side by side: the whole run took about as long as
    // one connection's share (7 gaps), not three connections' worth.
    expect(result.workers).toBe(2);
    expect(result.spanMs).toBeLessThan(windowMs * (perConnection - 1) * 1.5);
  });
});
