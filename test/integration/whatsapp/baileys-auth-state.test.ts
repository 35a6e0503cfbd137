// The baileys auth state in a real Postgres: credentials with Buffers survive a round trip, keys
// are set, read and deleted in batches (concurrent batches too), a session is cleared, and
// housekeeping purges the sessions of deleted and long-disconnected connections.
import { initAuthCreds, proto } from "@whiskeysockets/baileys";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db";
import { SequelizeWhatsappSessionStore } from "../../../runtime/adapters/db/repositories/whatsapp-session-store";
import {
  decode,
  encode,
  usePostgresAuthState,
} from "../../../runtime/adapters/whatsapp/baileys-auth-state";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";

let db: TestDatabase;
let store: SequelizeWhatsappSessionStore;
let companyId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  store = new SequelizeWhatsappSessionStore(db.sequelize);
  const [company] = await db.sequelize.query<{ id: number }>(
    `INSERT INTO "Companies" (name) VALUES ('Acme') RETURNING id`,
    { type: QueryTypes.SELECT },
  );
  companyId = (company as { id: number }).id;
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

async function newConnection(
  fields: { status?: string; updatedAt?: string; deletedAt?: string } = {},
): Promise<number> {
  const [row] = await db.sequelize.query<{ id: number }>(
    `INSERT INTO "Whatsapps" (name, "companyId", status, "updatedAt", "deletedAt")
     VALUES ('wa-' || gen_random_uuid(), $1, $2, COALESCE($3::timestamptz, now()), $4::timestamptz)
     RETURNING id`,
    {
      bind: [
        companyId,
        fields.status ?? "CONNECTED",
        fields.updatedAt ?? null,
        fields.deletedAt ?? null,
      ],
      type: QueryTypes.SELECT,
    },
  );
  return (row as { id: number }).id;
}

async function keyCount(whatsappId: number): Promise<number> {
  const [row] = await db.sequelize.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM "WhatsappSessionKeys" WHERE "whatsappId" = $1',
    { bind: [whatsappId], type: QueryTypes.SELECT },
  );
  return (row as { n: number }).n;
}

describe("usePostgresAuthState", () => {
  it("creates and stores fresh credentials for a new connection, and loads the same ones again", async () => {
    const id = await newConnection();
    const first = await usePostgresAuthState(store, { whatsappId: id, companyId });
    expect(first.state.creds.registered).toBe(false);
    expect(await store.readCreds(id)).not.toBeNull();

    const again = await usePostgresAuthState(store, { whatsappId: id, companyId });
    const { creds } = again.state;
    expect(Buffer.isBuffer(creds.noiseKey.private)).toBe(true);
    expect(Buffer.from(creds.noiseKey.private)).toEqual(
      Buffer.from(first.state.creds.noiseKey.private),
    );
    expect(Buffer.from(creds.signedPreKey.signature)).toEqual(
      Buffer.from(first.state.creds.signedPreKey.signature),
    );
    expect(creds.registrationId).toBe(first.state.creds.registrationId);
    expect(creds.advSecretKey).toBe(first.state.creds.advSecretKey);
  });

  it("saves credentials changed in place (as baileys does on creds.update)", async () => {
    const id = await newConnection();
    const auth = await usePostgresAuthState(store, { whatsappId: id, companyId });
    Object.assign(auth.state.creds, {
      me: { id: "5511999990001:7@s.whatsapp.net", name: "Loja" },
      registered: true,
      nextPreKeyId: 31,
      routingInfo: Buffer.from([1, 2, 3, 250]),
    });
    await auth.saveCreds();
    const loaded = await usePostgresAuthState(store, { whatsappId: id, companyId });
    expect(loaded.state.creds.me).toEqual({ id: "5511999990001:7@s.whatsapp.net", name: "Loja" });
    expect(loaded.state.creds.registered).toBe(true);
    expect(loaded.state.creds.nextPreKeyId).toBe(31);
    expect(loaded.state.creds.routingInfo).toEqual(Buffer.from([1, 2, 3, 250]));
  });

  it("sets, gets and deletes keys of each type, Buffers and protobufs included", async () => {
    const id = await newConnection();
    const { state } = await usePostgresAuthState(store, { whatsappId: id, companyId });
    const preKey = { public: Buffer.from("pub-1"), private: Buffer.from("priv-1") };
    const syncKey = { keyData: Buffer.from("sync"), timestamp: 1700000000 };
    await state.keys.set({
      "pre-key": { "1": preKey, "2": { public: Buffer.from("p2"), private: Buffer.from("q2") } },
      session: { "5511999990001.0": Buffer.from("session-bytes") },
      "sender-key-memory": { "123@g.us": { "5511999990001@s.whatsapp.net": true } },
      "app-state-sync-key": { AAAA: syncKey },
    });

    const preKeys = await state.keys.get("pre-key", ["1", "2", "3"]);
    expect(Object.keys(preKeys).sort()).toEqual(["1", "2"]);
    expect(preKeys["1"]).toEqual(preKey);
    expect(Buffer.isBuffer(preKeys["1"]?.public)).toBe(true);
    expect(await state.keys.get("session", ["5511999990001.0"])).toEqual({
      "5511999990001.0": Buffer.from("session-bytes"),
    });
    expect(await state.keys.get("sender-key-memory", ["123@g.us"])).toEqual({
      "123@g.us": { "5511999990001@s.whatsapp.net": true },
    });
    const sync = (await state.keys.get("app-state-sync-key", ["AAAA"])).AAAA;
    expect(sync).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
    expect(Buffer.from(sync?.keyData as Uint8Array)).toEqual(Buffer.from("sync"));
    // Same id, another type: a separate key.
    expect(await state.keys.get("session", ["1"])).toEqual({});

    await state.keys.set({
      "pre-key": { "1": null, "2": { public: Buffer.from("p2b"), private: Buffer.from("q2b") } },
    });
    const after = await state.keys.get("pre-key", ["1", "2"]);
    expect(after).toEqual({ "2": { public: Buffer.from("p2b"), private: Buffer.from("q2b") } });
    expect(await keyCount(id)).toBe(4);
  });

  it("keeps concurrent batches consistent: no error, every distinct key, one of the writers' values", async () => {
    const id = await newConnection();
    const { state } = await usePostgresAuthState(store, { whatsappId: id, companyId });
    const batches = Array.from({ length: 24 }, (_, writer) => ({
      // Every batch writes the shared keys (in a different order) and one of its own.
      "pre-key": Object.fromEntries(
        (writer % 2 === 0 ? [...Array(10).keys()] : [...Array(10).keys()].reverse()).map((k) => [
          String(k),
          { public: Buffer.from(`w${writer}`), private: Buffer.from("x") },
        ]),
      ),
      session: { [`own-${writer}`]: Buffer.from(`w${writer}`) },
    }));
    await Promise.all(batches.map((batch) => state.keys.set(batch)));
    expect(await keyCount(id)).toBe(10 + 24);
    const shared = await state.keys.get("pre-key", [...Array(10).keys()].map(String));
    expect(Object.keys(shared)).toHaveLength(10);
    for (const value of Object.values(shared)) {
      expect(value.public.toString()).toMatch(/^w\d+$/);
    }
    const own = await state.keys.get(
      "session",
      batches.map((_, w) => `own-${w}`),
    );
    expect(Object.keys(own)).toHaveLength(24);
  });

  it("applies a batch whole or not at all", async () => {
    const id = await newConnection();
    const { state } = await usePostgresAuthState(store, { whatsappId: id, companyId });
    await state.keys.set({ session: { a: Buffer.from("1") } });
    // The second write is invalid (Postgres text cannot hold NUL): the delete must not apply.
    const bad = store.writeKeys(id, [
      { type: "session", id: "a", value: null },
      { type: "session", id: "b", value: "\u0000" },
    ]);
    await expect(bad).rejects.toThrow();
    expect(await state.keys.get("session", ["a", "b"])).toEqual({ a: Buffer.from("1") });
  });

  it("clear() deletes the session and its keys; the next load pairs anew", async () => {
    const id = await newConnection();
    const auth = await usePostgresAuthState(store, { whatsappId: id, companyId });
    await auth.state.keys.set({ session: { a: Buffer.from("1") } });
    await auth.clear();
    expect(await store.readCreds(id)).toBeNull();
    expect(await keyCount(id)).toBe(0);
    // A late write of the closed socket is dropped, not resurrected.
    await auth.state.keys.set({ session: { b: Buffer.from("2") } });
    expect(await keyCount(id)).toBe(0);
    const fresh = await usePostgresAuthState(store, { whatsappId: id, companyId });
    expect(fresh.state.creds.advSecretKey).not.toBe(auth.state.creds.advSecretKey);
  });

  it("encodes as baileys' BufferJSON does", () => {
    const creds = initAuthCreds();
    const text = encode(creds);
    expect(JSON.parse(text).noiseKey.private).toMatchObject({ type: "Buffer" });
    expect(decode<typeof creds>(text).noiseKey.private).toEqual(
      Buffer.from(creds.noiseKey.private),
    );
  });
});

describe("purgeSessions", () => {
  it("deletes the sessions of deleted and long-DISCONNECTED connections, keeps the others", async () => {
    const long = "2026-01-01T00:00:00Z";
    const ids = {
      live: await newConnection({ status: "CONNECTED", updatedAt: long }),
      recentlyOut: await newConnection({ status: "DISCONNECTED" }),
      longOut: await newConnection({ status: "DISCONNECTED", updatedAt: long }),
      deleted: await newConnection({ status: "CONNECTED", deletedAt: "2026-11-01T00:00:00Z" }),
      gone: await newConnection(),
    };
    for (const id of Object.values(ids)) {
      const auth = await usePostgresAuthState(store, { whatsappId: id, companyId });
      await auth.state.keys.set({ session: { s: Buffer.from("x") } });
    }
    // A connection whose row is gone takes its session with it (foreign key).
    await db.sequelize.query('DELETE FROM "Whatsapps" WHERE id = $1', { bind: [ids.gone] });
    expect(await store.readCreds(ids.gone)).toBeNull();
    // The soft-deleted connection's session goes whatever the cut-off.
    const early = await store.purgeSessions({ loggedOutBefore: new Date("2025-12-01T00:00:00Z") });
    expect(early).toEqual({ deleted: 1 });
    expect(await store.readCreds(ids.deleted)).toBeNull();

    const result = await store.purgeSessions({ loggedOutBefore: new Date("2026-06-01T00:00:00Z") });
    expect(result.deleted).toBe(1);
    expect(await store.readCreds(ids.live)).not.toBeNull();
    expect(await store.readCreds(ids.recentlyOut)).not.toBeNull();
    expect(await store.readCreds(ids.longOut)).toBeNull();
    expect(await store.readCreds(ids.deleted)).toBeNull();
    expect(await keyCount(ids.longOut)).toBe(0);
    expect(await store.purgeSessions({ loggedOutBefore: new Date() })).toEqual({ deleted: 1 });
    expect(await store.readCreds(ids.recentlyOut)).toBeNull();
  });

  it("refuses an invalid cut-off", async () => {
    await expect(store.purgeSessions({ loggedOutBefore: new Date("nope") })).rejects.toThrow(
      TypeError,
    );
  });
});
