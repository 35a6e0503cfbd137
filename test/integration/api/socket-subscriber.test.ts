// socket.io's Redis subscriber right after start-up: a real socket.io client that joins its
// company's namespace as soon as the server listens gets an event emitted (by another Redis
// client, as a worker process would) the moment it is connected. Before, the subscriber's ready
// check (INFO) met the adapter's first PSUBSCRIBE, Redis refused the INFO on a connection in
// subscriber mode, and ioredis dropped the connection and reconnected: events published meanwhile
// were lost; and the first client of a namespace was let in before its subscription was made.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis, type Redis } from "../../../runtime/adapters/redis";
import {
  attachSocketServer,
  type CompanySocketServer,
  RedisCompanyEvents,
} from "../../../runtime/adapters/socket";
import { createTestRedis, type TestRedis } from "../../helpers/redis";
import { type CompanySocket, connectCompanySocket } from "../../helpers/socket";

const COMPANY = 7;
const START_UPS = 12;
let redis: TestRedis;
let publisher: Redis;
let events: RedisCompanyEvents;

beforeAll(() => {
  redis = createTestRedis();
  publisher = createRedis(redis.url, { connectionName: "chatia-flow-test:socket-emitter" });
  events = new RedisCompanyEvents(publisher, redis.prefix);
});

afterAll(async () => {
  await publisher?.quit();
  await redis?.cleanup();
});

async function startServer(): Promise<{
  url: string;
  sockets: CompanySocketServer;
  close(): Promise<void>;
}> {
  const server = http.createServer();
  const sockets = attachSocketServer({
    server,
    redisUrl: redis.url,
    prefix: redis.prefix,
    authenticate: async () => ({ companyId: COMPANY, super: false }),
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sockets,
    close: async () => {
      await sockets.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("socket.io's Redis subscriber at start-up", () => {
  it(
    "delivers an event emitted as soon as the first client is connected, start after start",
    async () => {
      for (let i = 0; i < START_UPS; i++) {
        const started = await startServer();
        let client: CompanySocket | undefined;
        try {
          client = await connectCompanySocket({
            url: started.url,
            token: "any",
            companyId: COMPANY,
          });
          events.emit(COMPANY, "probe", { startUp: i });
          const [payload] = await client.waitFor(`company-${COMPANY}-probe`, 1, 10_000);
          expect(payload).toEqual({ startUp: i });
        } finally {
          client?.close();
          await started.close();
        }
      }
    },
    START_UPS * 15_000,
  );

  it("says ready once its subscriptions are in place, and events then arrive", async () => {
    const started = await startServer();
    try {
      await started.sockets.ready(5_000);
      const client = await connectCompanySocket({
        url: started.url,
        token: "any",
        companyId: COMPANY,
      });
      try {
        events.emit(COMPANY, "probe", { ready: true });
        expect(await client.waitFor(`company-${COMPANY}-probe`, 1, 10_000)).toEqual([
          { ready: true },
        ]);
      } finally {
        client.close();
      }
    } finally {
      await started.close();
    }
  });
});
