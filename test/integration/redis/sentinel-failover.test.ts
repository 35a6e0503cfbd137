// createRedis through Sentinel, on a private group (one primary, one replica, three sentinels on
// loopback): after the primary is killed, every kind of client the runtime makes (commands, a
// subscriber, a blocking one as Bull's) follows the replica the sentinels promote, with no new
// client, even though the first sentinel each asks hangs (accepts connections, answers nothing).
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis, type Redis } from "../../../runtime/adapters/redis";
import {
  type SentinelGroup,
  startSentinelGroup,
  stopAllPrivate,
} from "../../helpers/private-services";

let group: SentinelGroup;
const clients: Redis[] = [];
const key = (name: string) => `sentinel-test-${randomBytes(4).toString("hex")}:${name}`;

beforeAll(async () => {
  group = await startSentinelGroup("sf");
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.disconnect();
  stopAllPrivate();
});

function client(name: string, enableReadyCheck = true): Redis {
  const c = createRedis("redis://ignored-with-sentinels:6379", {
    connectionName: `chatia-flow-test:${name}`,
    enableReadyCheck,
    sentinel: {
      name: group.name,
      sentinels: group.sentinels.split(",").map((s) => ({
        host: s.split(":")[0] ?? "",
        port: Number(s.split(":")[1]),
      })),
    },
  });
  clients.push(c);
  return c;
}

describe("createRedis through Sentinel", () => {
  it("follows the promoted replica after the primary dies, though the first sentinel hangs", async () => {
    const commands = Array.from({ length: 5 }, (_, i) => client(`commands-${i}`));
    const subscriber = client("subscriber", false);
    const blocking = client("blocking", false);
    const [first] = commands;
    if (first === undefined) throw new Error("no command client");
    await Promise.all(commands.map((c) => c.ping()));
    const channel = key("channel");
    const heard: string[] = [];
    await subscriber.subscribe(channel);
    subscriber.on("message", (_channel: string, message: string) => heard.push(message));
    const list = key("list");
    // Waits on the old primary, and (resent by ioredis) on the new one.
    const popped = blocking.blpop(list, 0);
    popped.catch(() => undefined); // awaited below; a failing run must not add an unhandled one
    const oldPrimary = group.primary.port;

    group.freezeSentinel(0);
    try {
      await group.failover(60_000);
      expect(group.primaryPort()).not.toBe(oldPrimary);
      // Every command client answers on the new primary (its writes are accepted there).
      const written = key("written");
      await Promise.all(commands.map((c, i) => c.sadd(written, String(i))));
      expect(await group.primary.cli("SCARD", written)).toBe("5");
      for (const c of commands) expect(c.status).toBe("ready");
      // The subscriber resubscribed on the new primary; the blocked pop is served there.
      await waitFor(async () => {
        await first.publish(channel, "after the failover");
        return heard.includes("after the failover");
      });
      await first.rpush(list, "job");
      expect(await popped).toEqual([list, "job"]);
    } finally {
      group.thawSentinel(0);
    }
  }, 90_000);
});

async function waitFor(probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
