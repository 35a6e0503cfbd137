// Retry waits for chatia's own Bull backoff strategy: Bull's formulas, then a cap, then jitter.
import type { BackoffOptions } from "./plan";

/**
 * Milliseconds to wait before the next attempt, `attemptsMade` counting the failed runs so far
 * (1 after the first failure). `random` is injectable for tests.
 */
export function backoffDelay(
  attemptsMade: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const raw =
    options.type === "fixed" ? options.delayMs : (2 ** attemptsMade - 1) * options.delayMs;
  const capped = options.maxDelayMs === undefined ? raw : Math.min(raw, options.maxDelayMs);
  return Math.round(capped * (1 - options.jitter * random()));
}
