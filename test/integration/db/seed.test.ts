// The demo seed against a real Postgres: documented counts, generated credentials, dates relative
// to `now`, work waiting for every cron, and safe to run twice (even concurrently).
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db/migrator";
import { fakePerson } from "../../../runtime/adapters/db/seed/demo-data";
import {
  DEMO_COMPANY_NAME,
  DEMO_COUNTS,
  type SeedDemoResult,
  seedDemo,
} from "../../../runtime/adapters/db/seed/demo-seed";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { type Row, type TestRows, testRows } from "../../helpers/rows";

const NOW = new Date("2025-03-10T12:00:00.000Z");
const MINUTE = 60_000;
const hash = (plain: string) => `test-hash:${plain}`;

let db: TestDatabase;
let rows: TestRows;
let seeded: SeedDemoResult;
let raced: SeedDemoResult;
const progress: [number, number, string][] = [];

async function countRows(table: string): Promise<number> {
  const [row] = await db.sequelize.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "${table}"`,
    {
      type: QueryTypes.SELECT,
    },
  );
  return row?.n ?? -1;
}

/** Rows of a SELECT joining what one test looks at (joined rows as JSON). */
function select<T extends object = Row>(sql: string, bind: unknown[] = []): Promise<T[]> {
  return db.sequelize.query<T>(sql, { bind, type: QueryTypes.SELECT });
}

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  const onProgress = (done: number, total: number, label: string) =>
    progress.push([done, total, label]);
  const runs = await Promise.all([
    seedDemo(db.sequelize, { now: NOW, passwordHash: hash, onProgress }),
    seedDemo(db.sequelize, { now: NOW, passwordHash: hash, onProgress }),
  ]);
  const [first, second] = runs;
  if (first === undefined || second === undefined) throw new Error("seed runs missing");
  [seeded, raced] = first.alreadySeeded ? [second, first] : [first, second];
  rows = testRows(db.sequelize);
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

describe("seedDemo", () => {
  it("creates the documented rows once although two seeds raced", async () => {
    expect(seeded.alreadySeeded).toBe(false);
    expect(seeded.created).toEqual({
      Plans: 1,
      Companies: 1,
      CompaniesSettings: 1,
      CampaignSettings: 4,
      Queues: 2,
      Whatsapps: 2,
      Users: 4,
      UserQueues: 5,
      Tags: 3,
      Contacts: 200,
      ContactLists: 1,
      ContactListItems: 50,
      Campaigns: 1,
      Schedules: 5,
      Tickets: 10,
      TicketTags: 3,
      Messages: 10,
    });
    expect(DEMO_COUNTS).toEqual(seeded.created);
    for (const [table, n] of Object.entries(DEMO_COUNTS)) expect(await countRows(table)).toBe(n);
    expect(raced).toEqual({
      companyId: seeded.companyId,
      alreadySeeded: true,
      created: {},
      credentials: [],
    });
  });

  it("is a no-op when run again", async () => {
    const again = await seedDemo(db.sequelize, { passwordHash: hash });
    expect(again.alreadySeeded).toBe(true);
    expect(again.companyId).toBe(seeded.companyId);
    expect(await countRows("Contacts")).toBe(200);
    expect(await countRows("Companies")).toBe(1);
  });

  it("reports its eight steps in order", () => {
    expect(progress.map(([done, total]) => [done, total])).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => [n, 8]),
    );
    expect(progress.map(([, , label]) => label)).toContain("contacts");
  });

  it("returns generated credentials whose hashes, from the injected hasher, are stored", async () => {
    const { credentials } = seeded;
    expect(credentials.map((c) => c.profile)).toEqual(["admin", "user", "user", "user"]);
    expect(new Set(credentials.map((c) => c.password)).size).toBe(4);
    for (const c of credentials) {
      expect(c.password).toMatch(/^[A-Za-z0-9_-]{16}$/);
      const user = await rows.findOne("Users", { email: c.email });
      expect(user?.passwordHash).toBe(hash(c.password));
      expect(user?.profile).toBe(c.profile);
    }
  });

  it("sets up the company, plan and settings as documented", async () => {
    const [company] = await select<Row & { plan: Row | null }>(
      `SELECT c.*, to_jsonb(p) AS plan FROM "Companies" c LEFT JOIN "Plans" p ON p.id = c."planId"
        WHERE c.id = $1`,
      [seeded.companyId],
    );
    expect(company?.name).toBe(DEMO_COMPANY_NAME);
    expect(company?.timezone).toBe("America/Sao_Paulo");
    expect(company?.dueDate).toBe("2025-03-25");
    expect(company?.plan?.useKanban).toBe(true);
    expect(company?.plan?.useCampaigns).toBe(true);
    const settings = await rows.findOne("CompaniesSettings", { companyId: seeded.companyId });
    expect(settings?.sendGreetingMessageOneQueues).toBe("enabled");
    const pacing = await rows.find("CampaignSettings", { companyId: seeded.companyId });
    expect(Object.fromEntries(pacing.map((s) => [s.key, s.value]))).toEqual({
      messageInterval: "5",
      longerIntervalAfter: "20",
      greaterInterval: "15",
      variables: "[]",
    });
  });

  it("creates a default connected connection that moves lost tickets to the routed queue", async () => {
    const whatsapps = await rows.find("Whatsapps", { deletedAt: null }, ["id"]);
    const [main, other] = whatsapps;
    const [routed] = await select<Row & { users: { name: string }[] }>(
      `SELECT q.*, COALESCE((SELECT jsonb_agg(to_jsonb(u)) FROM "UserQueues" uq
                               JOIN "Users" u ON u.id = uq."userId" WHERE uq."queueId" = q.id),
                            '[]'::jsonb) AS users
         FROM "Queues" q WHERE q.name = 'Atendimento'`,
    );
    expect(main).toMatchObject({ status: "CONNECTED", isDefault: true, expiresTicket: 24 });
    expect(main).toMatchObject({
      timeSendQueue: 10,
      sendIdQueue: routed?.id,
      provider: "simulated",
    });
    expect(main?.expiresInactiveMessage).toBeTruthy();
    expect(other).toMatchObject({ status: "DISCONNECTED", isDefault: false });
    expect(routed).toMatchObject({ ativarRoteador: true, tempoRoteador: 5 });
    expect(routed?.users?.map((u) => u.name).sort()).toEqual([
      "Ana Atendente",
      "Bruno Atendente",
      "Carla Atendente",
    ]);
  });

  it("chains the kanban lanes Novo → Em contato → Proposta", async () => {
    const withNextLane = `SELECT t.*, to_jsonb(n) AS "nextLane"
                            FROM "Tags" t LEFT JOIN "Tags" n ON n.id = t."nextLaneId"`;
    type Lane = Row & { nextLane: Row | null };
    const [novo] = await select<Lane>(`${withNextLane} WHERE t.name = 'Novo'`);
    const [contato] = await select<Lane>(`${withNextLane} WHERE t.id = $1`, [
      novo?.nextLaneId ?? -1,
    ]);
    expect(novo).toMatchObject({ timeLane: 24, kanban: 1 });
    expect(contato).toMatchObject({ name: "Em contato", timeLane: 48 });
    expect(contato?.greetingMessageLane).toContain("{{firstName}}");
    expect(contato?.nextLane?.name).toBe("Proposta");
    expect(contato?.nextLane?.nextLaneId).toBeNull();
  });

  it("generates 200 distinct Brazilian mobile numbers, deterministically", async () => {
    const contacts = await rows.find("Contacts", {}, ["id"]);
    expect(new Set(contacts.map((c) => c.number)).size).toBe(200);
    contacts.forEach((c, i) => {
      expect(c.number).toMatch(/^55119\d{8}$/);
      expect({ name: c.name, number: c.number, email: c.email }).toEqual(fakePerson(i));
    });
  });

  it("programs a campaign five minutes after now for a 50-item list, with {nome}", async () => {
    const [campaign] = await select<Row & { scheduledAt: Date; contactList: { contacts: Row[] } }>(
      `SELECT c.*, jsonb_build_object('contacts',
                     (SELECT jsonb_agg(to_jsonb(i)) FROM "ContactListItems" i
                       WHERE i."contactListId" = c."contactListId")) AS "contactList"
         FROM "Campaigns" c LIMIT 1`,
    );
    expect(campaign?.status).toBe("PROGRAMADA");
    expect(campaign?.scheduledAt?.getTime()).toBe(NOW.getTime() + 5 * MINUTE);
    for (const text of [campaign?.message1, campaign?.message2, campaign?.message3]) {
      expect(text).toContain("{nome}");
    }
    expect(campaign?.message4).toBeNull();
    expect(campaign?.contactList?.contacts).toHaveLength(50);
  });

  it("schedules three one-off messages, a daily and a monthly one, all pending", async () => {
    const schedules = await rows.find<{ sendAt: Date; valorIntervalo: number }>("Schedules", {}, [
      "sendAt",
    ]);
    const offsets = schedules.map((s) => (s.sendAt.getTime() - NOW.getTime()) / MINUTE);
    expect(offsets).toEqual([2, 5, 10, 15, 30]);
    expect(new Set(schedules.map((s) => s.status))).toEqual(new Set(["PENDENTE"]));
    const recurring = schedules.filter((s) => s.valorIntervalo > 0);
    expect(recurring.map((s) => [s.intervalo, s.valorIntervalo, s.enviarQuantasVezes])).toEqual([
      [1, 1, 5],
      [3, 1, 12],
    ]);
  });

  it("leaves tickets for the queue monitor, the distributor and the kanban mover", async () => {
    const tenMinutesAgo = new Date(NOW.getTime() - 10 * MINUTE);
    const [{ lost, toRoute }] = (await select<{ lost: number; toRoute: number }>(
      `SELECT count(*) FILTER (WHERE "queueId" IS NULL AND "updatedAt" < $1)::int AS lost,
              count(*) FILTER (WHERE "queueId" IS NOT NULL AND "userId" IS NULL)::int AS "toRoute"
         FROM "Tickets" WHERE status = 'pending'`,
      [tenMinutesAgo],
    )) as [{ lost: number; toRoute: number }];
    const dayAgo = new Date(NOW.getTime() - 24 * 60 * MINUTE);
    const stale = await select(
      `SELECT tt.* FROM "TicketTags" tt
         JOIN "Tickets" t ON t.id = tt."ticketId"
                         AND t.status = 'open' AND t."fromMe" AND t."updatedAt" < $1
         JOIN "Tags" g ON g.id = tt."tagId" AND g.name = 'Novo'`,
      [dayAgo],
    );
    expect([lost, toRoute, stale.length]).toEqual([3, 3, 1]);
  });
});
