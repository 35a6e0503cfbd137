// The baileys driver's auth state in Postgres ("WhatsappSessions" + "WhatsappSessionKeys", see
// migration 008), as opaque JSON text: this module knows nothing of baileys, so housekeeping can
// purge sessions without loading it. The driver's side (BufferJSON, AuthenticationState) is in
// runtime/adapters/whatsapp/baileys-auth-state.ts.
import { QueryTypes, type Sequelize } from "sequelize";
import type {
  PurgeSessionsOptions,
  SessionKeyWrite,
  WhatsappSessionStore,
} from "../../../services/ports/whatsapp-session-store";

const UPSERT_CREDS = `
INSERT INTO "WhatsappSessions" ("whatsappId", "companyId", creds, "createdAt", "updatedAt")
VALUES ($1, $2, $3, now(), now())
ON CONFLICT ("whatsappId") DO UPDATE SET creds = EXCLUDED.creds, "updatedAt" = now()`;

// Rows come sorted by (type, keyId), so concurrent writers lock them in one order (no deadlock).
// A write for a session that was cleared meanwhile is dropped (a closing socket's last words).
const UPSERT_KEYS = `
INSERT INTO "WhatsappSessionKeys" ("whatsappId", type, "keyId", value, "updatedAt")
SELECT $1, k.type, k.id, k.value, now()
  FROM unnest($2::text[], $3::text[], $4::text[]) AS k(type, id, value)
 WHERE EXISTS (SELECT 1 FROM "WhatsappSessions" s WHERE s."whatsappId" = $1)
ON CONFLICT ("whatsappId", type, "keyId") DO UPDATE SET value = EXCLUDED.value, "updatedAt" = now()`;

const DELETE_KEYS = `
DELETE FROM "WhatsappSessionKeys" k
 USING unnest($2::text[], $3::text[]) AS d(type, id)
 WHERE k."whatsappId" = $1 AND k.type = d.type AND k."keyId" = d.id`;

// A session goes when its connection is gone (row deleted or soft-deleted), or when the connection
// is DISCONNECTED (logged out, stopped) and has not changed since the cut-off.
const PURGE = `
WITH doomed AS (
  DELETE FROM "WhatsappSessions" s
   WHERE NOT EXISTS (
     SELECT 1 FROM "Whatsapps" w
      WHERE w.id = s."whatsappId"
        AND w."deletedAt" IS NULL
        AND NOT (w.status = 'DISCONNECTED' AND w."updatedAt" < $1))
  RETURNING 1
)
SELECT count(*)::int AS deleted FROM doomed`;

export class SequelizeWhatsappSessionStore implements WhatsappSessionStore {
  constructor(private readonly sequelize: Sequelize) {}

  /** The stored credentials (JSON text), or null when the connection has no session. */
  async readCreds(whatsappId: number): Promise<string | null> {
    const rows = await this.sequelize.query<{ creds: string }>(
      'SELECT creds FROM "WhatsappSessions" WHERE "whatsappId" = $1',
      { bind: [whatsappId], type: QueryTypes.SELECT },
    );
    return rows[0]?.creds ?? null;
  }

  /** Creates the session or replaces its credentials. */
  async writeCreds(whatsappId: number, companyId: number, creds: string): Promise<void> {
    await this.sequelize.query(UPSERT_CREDS, { bind: [whatsappId, companyId, creds] });
  }

  /** The stored values of `type` among `ids`, by id; absent ids are not in the map. */
  async readKeys(
    whatsappId: number,
    type: string,
    ids: readonly string[],
  ): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.sequelize.query<{ keyId: string; value: string }>(
      `SELECT "keyId", value FROM "WhatsappSessionKeys"
        WHERE "whatsappId" = $1 AND type = $2 AND "keyId" = ANY($3::text[])`,
      { bind: [whatsappId, type, [...ids]], type: QueryTypes.SELECT },
    );
    return new Map(rows.map((row) => [row.keyId, row.value]));
  }

  /**
   * Writes and deletes keys in one transaction: all of a batch or none. When one batch names a
   * key twice, the last entry wins.
   */
  async writeKeys(whatsappId: number, writes: readonly SessionKeyWrite[]): Promise<void> {
    const last = new Map<string, SessionKeyWrite>();
    for (const write of writes) last.set(`${write.type}\u0000${write.id}`, write);
    const sorted = [...last.values()].sort(
      (a, b) => compare(a.type, b.type) || compare(a.id, b.id),
    );
    const upserts = sorted.filter((w) => w.value !== null);
    const deletes = sorted.filter((w) => w.value === null);
    if (sorted.length === 0) return;
    await this.sequelize.transaction(async (transaction) => {
      if (deletes.length > 0) {
        await this.sequelize.query(DELETE_KEYS, {
          bind: [whatsappId, deletes.map((w) => w.type), deletes.map((w) => w.id)],
          transaction,
        });
      }
      if (upserts.length > 0) {
        await this.sequelize.query(UPSERT_KEYS, {
          bind: [
            whatsappId,
            upserts.map((w) => w.type),
            upserts.map((w) => w.id),
            upserts.map((w) => w.value),
          ],
          transaction,
        });
      }
    });
  }

  /** Deletes the connection's session and its keys; true when there was one. */
  async clear(whatsappId: number): Promise<boolean> {
    const rows = await this.sequelize.query<{ whatsappId: number }>(
      'DELETE FROM "WhatsappSessions" WHERE "whatsappId" = $1 RETURNING "whatsappId"',
      { bind: [whatsappId], type: QueryTypes.SELECT },
    );
    return rows.length > 0;
  }

  /**
   * Session housekeeping (job PurgeWhatsappSessions): deletes the stored auth state of deleted
   * connections, and of connections DISCONNECTED since before `loggedOutBefore`.
   */
  async purgeSessions(options: PurgeSessionsOptions): Promise<{ deleted: number }> {
    const cutoff = options.loggedOutBefore;
    if (!(cutoff instanceof Date) || Number.isNaN(cutoff.getTime())) {
      throw new TypeError("loggedOutBefore must be a valid Date");
    }
    const rows = await this.sequelize.query<{ deleted: number }>(PURGE, {
      bind: [cutoff],
      type: QueryTypes.SELECT,
    });
    return { deleted: rows[0]?.deleted ?? 0 };
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
