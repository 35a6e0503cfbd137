import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../../runtime/compile";

describe("backoffDelay", () => {
  it("fixed waits the same each time", () => {
    const options = { type: "fixed", delayMs: 1000, jitter: 0 } as const;
    expect([1, 2, 3].map((n) => backoffDelay(n, options))).toEqual([1000, 1000, 1000]);
  });

  it("exponential follows Bull's (2^n − 1) × delay", () => {
    const options = { type: "exponential", delayMs: 1000, jitter: 0 } as const;
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, options))).toEqual([1000, 3000, 7000, 15000]);
  });

  it("caps each wait at maxDelayMs", () => {
    const options = { type: "exponential", delayMs: 1000, maxDelayMs: 5000, jitter: 0 } as const;
    expect([1, 2, 3, 10].map((n) => backoffDelay(n, options))).toEqual([1000, 3000, 5000, 5000]);
  });

  it("jitter takes off up to its fraction of the wait, after the cap", () => {
    const options = { type: "exponential", delayMs: 1000, maxDelayMs: 5000, jitter: 0.2 } as const;
    expect(backoffDelay(10, options, () => 0)).toBe(5000);
    expect(backoffDelay(10, options, () => 1)).toBe(4000);
    expect(backoffDelay(10, options, () => 0.5)).toBe(4500);
  });
});
