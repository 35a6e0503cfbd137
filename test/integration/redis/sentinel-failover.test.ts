// createRedis through Sentinel, on private groups (one primary, one replica, three sentinels on
// loopback): when the primary dies, or hangs with its connections open, every kind of client the
// runtime makes (commands, a subscriber, a blocking one as Bull's) follows the replica the
// sentinels promote, with no new client, even though the first sentinel each asks may hang too.
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createRedis, type Redis } from "../../../runtime/adapters/redis";
import {
  type SentinelGroup,
  startSentinelGroup,
  stopAllPrivate,
} from "../../helpers/private-services";

const clients: Redis[] = [];
const key = (name: string) => `sentinel-test-${randomBytes(4).toString("hex")}:${name}`;

afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
  stopAllPrivate();
});

function client(group: SentinelGroup, name: string, enableReadyCheck = true): Redis {
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

/** Five command clients, a subscriber and a client blocked in BLPOP, all on the primary. */
async function clientsOn(group: SentinelGroup) {
  const commands = Array.from({ length: 5 }, (_, i) => client(group, `commands-${i}`));
  const subscriber = client(group, "subscriber", false);
  const blocking = client(group, "blocking", false);
  await Promise.all(commands.map((c) => c.ping()));
  const channel = key("channel");
  const heard: string[] = [];
  await subscriber.subscribe(channel);
  subscriber.on("message", (_channel: string, message: string) => heard.push(message));
  const list = key("list");
  const popped = blocking.blpop(list, 0);
  popped.catch(() => undefined); // awaited later; a failing run must not add an unhandled one
  return { commands, heard, channel, list, popped };
}

/** Each client works on the group's (new) primary: writes land there, the subscriber hears, the pop is served. */
async function expectAllOnPrimary(
  group: SentinelGroup,
  { commands, heard, channel, list, popped }: Awaited<ReturnType<typeof clientsOn>>,
): Promise<void> {
  const [first] = commands;
  if (first === undefined) throw new Error("no command client");
  const written = key("written");
  await Promise.all(commands.map((c, i) => c.sadd(written, String(i))));
  expect(group.primary.cli("SCARD", written)).toBe("5");
  for (const c of commands) expect(c.status).toBe("ready");
  await waitFor(async () => {
    await first.publish(channel, "after the failover");
    return heard.includes("after the failover");
  });
  await first.rpush(list, "job");
  expect(await popped).toEqual([list, "job"]);
}

describe("createRedis through Sentinel", () => {
  it("follows the promoted replica after the primary dies, though the first sentinel hangs", async () => {
    const group = await startSentinelGroup("sf");
    const work = await clientsOn(group);
    const oldPrimary = group.primary.port;
    group.freezeSentinel(0);
    await group.failover(60_000);
    expect(group.primaryPort()).not.toBe(oldPrimary);
    await expectAllOnPrimary(group, work);
  }, 90_000);

  it("follows the promoted replica while the old primary hangs with its connections open", async () => {
    const group = await startSentinelGroup("sh");
    const work = await clientsOn(group);
    const oldPrimary = group.primary.port;
    await group.failover(60_000, "freeze");
    expect(group.primaryPort()).not.toBe(oldPrimary);
    await expectAllOnPrimary(group, work);
  }, 90_000);
});

async function waitFor(probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
