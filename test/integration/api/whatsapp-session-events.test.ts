// `company-<id>-whatsappSession` through real socket.io: a baileys driver, built as the runtime
// builds it (its events published through Redis under the deployment's prefix), runs a connection
// whose socket is a stand-in for WhatsApp's network; each change of the connection's session state
// (opening, QR code, open, logged out) reaches the company's socket.io client of the running api,
// in order, with the row's new state, and never another company's client.
import { DisconnectReason } from "@whiskeysockets/baileys";
import pino from "pino";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SequelizeWhatsappConnectionStore } from "../../../runtime/adapters/db/repositories/whatsapp-connection-store";
import { SequelizeWhatsappSessionStore } from "../../../runtime/adapters/db/repositories/whatsapp-session-store";
import { createRedis, type Redis } from "../../../runtime/adapters/redis";
import { RedisCompanyEvents } from "../../../runtime/adapters/socket";
import { BaileysWhatsApp } from "../../../runtime/adapters/whatsapp/baileys-driver";
import { repoFixture } from "../../helpers/repo-fixture";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";
import { type CompanySocket, companySocketOf } from "../../helpers/socket";
import { fakeSockets, waitUntil } from "../whatsapp/baileys-fakes";

let t: TestRuntime;
let publisher: Redis;
let events: RedisCompanyEvents;
let driver: BaileysWhatsApp | undefined;
const sockets: CompanySocket[] = [];

beforeAll(async () => {
  t = await startTestRuntime(await repoFixture(), { role: "api", editor: false });
  publisher = createRedis(t.redis.url);
  events = new RedisCompanyEvents(publisher, t.config.prefix);
}, 90_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await driver?.close();
  await publisher?.quit();
  await t?.stop();
});

async function insert(sql: string, bind: unknown[]): Promise<number> {
  const [row] = await t.db.sequelize.query<{ id: number }>(`${sql} RETURNING id`, {
    bind,
    type: QueryTypes.SELECT,
  });
  if (!row) throw new Error("no row inserted");
  return row.id;
}

/** A socket.io client of the company, once its namespace's events arrive. */
async function companySocket(companyId: number): Promise<CompanySocket> {
  const socket = await companySocketOf(t, companyId, publisher);
  sockets.push(socket);
  socket.clear();
  return socket;
}

type SessionEvent = {
  action: string;
  session: { id: number; status: string; qrcode?: string; companyId?: number };
};

describe("company-<id>-whatsappSession", () => {
  it("each change of a connection's session state reaches its company's socket, in order", async () => {
    const company = await insert(`INSERT INTO "Companies" (name) VALUES ('Loja')`, []);
    const other = await insert(`INSERT INTO "Companies" (name) VALUES ('Outra')`, []);
    const connection = await insert(
      `INSERT INTO "Whatsapps" (name, "companyId", status, provider) VALUES ('Loja', $1, 'OPENING', 'baileys')`,
      [company],
    );
    const mine = await companySocket(company);
    const theirs = await companySocket(other);

    const fakes = fakeSockets();
    driver = await BaileysWhatsApp.start({
      connections: new SequelizeWhatsappConnectionStore(t.db.sequelize),
      sessions: new SequelizeWhatsappSessionStore(t.db.sequelize),
      redis: t.redis.redis,
      events,
      prefix: `${t.config.prefix}:chatia:`,
      logger: pino({ level: "silent" }),
      socketFactory: fakes.factory,
    });
    await waitUntil(() => fakes.of(connection).length > 0, 10_000, "the connection's socket");
    const socket = fakes.of(connection)[0];
    if (!socket) throw new Error("no socket");
    const name = `company-${company}-whatsappSession`;
    await mine.waitFor(name, 1);

    socket.update({ connection: "connecting" });
    socket.update({ qr: "2@qr-loja" });
    await mine.waitFor(name, 2);
    socket.update({ connection: "open" });
    await mine.waitFor(name, 3);
    socket.close(DisconnectReason.loggedOut, "logged out from the phone");
    const received = (await mine.waitFor(name, 4)) as SessionEvent[];

    expect(received.map((e) => [e.action, e.session.id, e.session.status])).toEqual([
      ["update", connection, "OPENING"],
      ["update", connection, "qrcode"],
      ["update", connection, "CONNECTED"],
      ["update", connection, "DISCONNECTED"],
    ]);
    expect(received[1]?.session.qrcode).toBe("2@qr-loja");
    const [row] = await t.db.sequelize.query<{ status: string }>(
      `SELECT status FROM "Whatsapps" WHERE id = $1`,
      { bind: [connection], type: QueryTypes.SELECT },
    );
    expect(row?.status).toBe("DISCONNECTED");

    // A marker published after them reaches the other company: had any of the connection's
    // events been sent there, it would have arrived first (one publisher, one subscriber).
    await theirs.untilReceiving(() => events.emit(other, "marker", {}), `company-${other}-marker`);
    // (Late copies of the warm-up probe aside.)
    const foreign = (names: string[], own: string) =>
      names.filter((n) => n !== own && !/-(probe|marker)$/.test(n));
    expect(foreign(theirs.names(), "")).toEqual([]);
    expect(foreign(mine.names(), name)).toEqual([]);
  });
});
