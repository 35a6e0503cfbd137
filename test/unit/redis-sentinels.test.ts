// REDIS_SENTINELS / REDIS_SENTINEL_NAME: read as the sentinels' addresses and the primary's name;
// a wrong value is refused with a message naming the variable and the item.
import { describe, expect, it } from "vitest";
import { sentinelFromEnv } from "../../runtime/adapters/redis/redis-url";

describe("sentinelFromEnv", () => {
  it("is null without REDIS_SENTINELS (the URL's host is used)", () => {
    expect(sentinelFromEnv({ REDIS_URL: "redis://r:6379" })).toBeNull();
    expect(sentinelFromEnv({ REDIS_SENTINELS: "  " })).toBeNull();
  });

  it("reads host:port items and the primary's name", () => {
    expect(
      sentinelFromEnv({
        REDIS_SENTINELS: "s1:26379, 10.0.0.2:26380",
        REDIS_SENTINEL_NAME: " chatia ",
      }),
    ).toEqual({
      sentinels: [
        { host: "s1", port: 26379 },
        { host: "10.0.0.2", port: 26380 },
      ],
      name: "chatia",
    });
  });

  it("refuses a missing name or an item that is not host:port", () => {
    expect(() => sentinelFromEnv({ REDIS_SENTINELS: "s1:26379" })).toThrow(/REDIS_SENTINEL_NAME/);
    for (const bad of ["s1", "s1:", ":26379", "s1:0", "s1:70000", "s1:26379,"]) {
      expect(() => sentinelFromEnv({ REDIS_SENTINELS: bad, REDIS_SENTINEL_NAME: "n" })).toThrow(
        /REDIS_SENTINELS: ".*" is not host:port/,
      );
    }
  });
});
