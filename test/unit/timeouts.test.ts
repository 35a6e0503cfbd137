// The bounds on waits come from the environment: defaults, overrides, and a clear refusal of a
// value that is not a whole number of milliseconds.
import { describe, expect, it } from "vitest";
import { timeoutsFromEnv } from "../../runtime/timeouts";

describe("timeoutsFromEnv", () => {
  it("gives every bound its default", () => {
    expect(timeoutsFromEnv({})).toEqual({
      dbConnectMs: 5_000,
      dbStatementMs: 60_000,
      redisConnectMs: 5_000,
      redisCommandMs: 10_000,
      apiRequestMs: 15_000,
      readyCheckMs: 2_000,
    });
  });

  it("takes each variable that is set", () => {
    const timeouts = timeoutsFromEnv({
      CHATIA_DB_CONNECT_TIMEOUT_MS: "1500",
      CHATIA_API_TIMEOUT_MS: " 8000 ",
      CHATIA_READY_TIMEOUT_MS: "",
    });
    expect(timeouts).toMatchObject({
      dbConnectMs: 1_500,
      apiRequestMs: 8_000,
      readyCheckMs: 2_000,
    });
  });

  it("refuses a value that is not a whole number of milliseconds, naming the variable", () => {
    for (const value of ["0", "-5", "2.5", "10s"])
      expect(() => timeoutsFromEnv({ CHATIA_REDIS_COMMAND_TIMEOUT_MS: value })).toThrow(
        expect.objectContaining({
          code: "CF_CONFIG_INVALID",
          message: `CHATIA_REDIS_COMMAND_TIMEOUT_MS must be a whole number of milliseconds ≥ 1, not "${value}"`,
        }),
      );
  });
});
