// UserService against a real Postgres: online users idle longer than the limit go offline in one
// UPDATE; recent ones and offline ones are not touched.
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db/migrator";
import { SequelizeUserStore } from "../../../runtime/adapters/db/repositories/user-store";
import { UserService } from "../../../runtime/services/user.service";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { testRows } from "../../helpers/rows";

const NOW = new Date("2030-01-10T12:00:00Z");
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

let db: TestDatabase;
let companyId: number;
let service: UserService;
let seq = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  const rows = testRows(db.sequelize);
  companyId = (await rows.insert("Companies", { name: "Empresa" })).id;
  service = new UserService(new SequelizeUserStore(db.sequelize));
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

/** A user with the given flag and last sign of life (raw SQL: Sequelize would stamp updatedAt). */
async function user(online: boolean, updatedAt: Date): Promise<number> {
  seq += 1;
  const [row] = await db.sequelize.query<{ id: number }>(
    `INSERT INTO "Users" (name, email, "passwordHash", online, "companyId", "createdAt", "updatedAt")
     VALUES ($1, $2, 'x', $3, $4, $5, $5) RETURNING id`,
    {
      bind: [`U${seq}`, `u${seq}@example.com`, online, companyId, updatedAt],
      type: QueryTypes.SELECT,
    },
  );
  if (!row) throw new Error("no user");
  return row.id;
}

async function state(id: number): Promise<{ online: boolean; updatedAt: Date }> {
  const [row] = await db.sequelize.query<{ online: boolean; updatedAt: Date }>(
    `SELECT online, "updatedAt" FROM "Users" WHERE id = $1`,
    { bind: [id], type: QueryTypes.SELECT },
  );
  if (!row) throw new Error(`no user ${id}`);
  return row;
}

describe("UserService.markIdleUsersOffline", () => {
  it("sets users idle for 6 minutes offline, keeps those seen 4 minutes ago, leaves offline ones alone", async () => {
    const idle = await user(true, minutesAgo(6));
    const recent = await user(true, minutesAgo(4));
    const offline = await user(false, minutesAgo(60));

    await expect(service.markIdleUsersOffline(NOW, 5)).resolves.toEqual({ updated: 1 });

    expect(await state(idle)).toEqual({ online: false, updatedAt: NOW });
    expect(await state(recent)).toEqual({ online: true, updatedAt: minutesAgo(4) });
    expect(await state(offline)).toEqual({ online: false, updatedAt: minutesAgo(60) });
    // Nothing left to do on a second run.
    await expect(service.markIdleUsersOffline(NOW, 5)).resolves.toEqual({ updated: 0 });
  });

  it("is one UPDATE on the partial index users_online_updated_at_idx", async () => {
    await db.sequelize.query("SET enable_seqscan = off");
    try {
      const plan = await db.sequelize.query<{ "QUERY PLAN": string }>(
        `EXPLAIN UPDATE "Users" SET online = false, "updatedAt" = $2
          WHERE online = true AND "updatedAt" < $1`,
        { bind: [minutesAgo(5), NOW], type: QueryTypes.SELECT },
      );
      expect(plan.map((r) => r["QUERY PLAN"]).join("\n")).toContain("users_online_updated_at_idx");
    } finally {
      await db.sequelize.query("RESET enable_seqscan");
    }
  });

  it("refuses a negative idle time", async () => {
    await expect(service.markIdleUsersOffline(NOW, -1)).rejects.toThrow(RangeError);
  });
});
