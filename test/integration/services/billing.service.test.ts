// BillingService against a real Postgres: companies due within the window get exactly one open
// invoice for their due date (plan name, amount), whatever the reruns and overlapping runs; the
// days are counted in the company's time zone. The original concatenated SQL and raced a
// read-then-write (defect 7): two overlapping runs here each succeed and leave one invoice.
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSequelize, type Sequelize } from "../../../runtime/adapters/db/connection";
import { migrateUp } from "../../../runtime/adapters/db/migrator";
import { SequelizeInvoiceStore } from "../../../runtime/adapters/db/repositories/invoice-store";
import { BillingService } from "../../../runtime/services/billing.service";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { type TestRows, testRows } from "../../helpers/rows";

/** 09:00 in São Paulo, 12:00 UTC. */
const NOW = new Date("2030-01-10T12:00:00Z");

let db: TestDatabase;
let other: Sequelize;
let rows: TestRows;
let planId: number;
let service: BillingService;
let seq = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  other = createSequelize(db.url, { poolMax: 2 });
  rows = testRows(db.sequelize);
  planId = (await rows.insert("Plans", { name: "Plano Ouro", amount: "199.90" })).id;
  service = new BillingService(new SequelizeInvoiceStore(db.sequelize));
}, 60_000);

afterAll(async () => {
  await other?.close();
  await db?.drop();
});

async function company(
  dueDate: string | null,
  opts: { planId?: number | null; timezone?: string } = {},
): Promise<number> {
  seq += 1;
  const row = await rows.insert("Companies", {
    name: `Empresa ${seq}`,
    dueDate,
    planId: opts.planId === undefined ? planId : opts.planId,
    ...(opts.timezone ? { timezone: opts.timezone } : {}),
  });
  return row.id;
}

async function invoices(companyId: number) {
  return db.sequelize.query<{ dueDate: string; detail: string; status: string; value: string }>(
    `SELECT "dueDate", detail, status, value FROM "Invoices" WHERE "companyId" = $1`,
    { bind: [companyId], type: QueryTypes.SELECT },
  );
}

async function clearCompanies(): Promise<void> {
  await db.sequelize.query(`DELETE FROM "Companies"`);
}

describe("BillingService.createDueInvoices", () => {
  it("invoices a company due in 19 days once, with its plan's name and amount; not one due in 21", async () => {
    await clearCompanies();
    const soon = await company("2030-01-29");
    const later = await company("2030-01-31");

    await expect(service.createDueInvoices(NOW, 20)).resolves.toEqual({ created: 1, companies: 1 });
    expect(await invoices(soon)).toEqual([
      { dueDate: "2030-01-29", detail: "Plano Ouro", status: "open", value: "199.90" },
    ]);
    expect(await invoices(later)).toEqual([]);

    // A second run adds nothing.
    await expect(service.createDueInvoices(NOW, 20)).resolves.toEqual({ created: 0, companies: 1 });
    expect(await invoices(soon)).toHaveLength(1);
  });

  it("skips companies without a plan or a due date", async () => {
    await clearCompanies();
    const noPlan = await company("2030-01-12", { planId: null });
    const noDate = await company(null);
    await expect(service.createDueInvoices(NOW, 20)).resolves.toEqual({ created: 0, companies: 0 });
    expect(await invoices(noPlan)).toEqual([]);
    expect(await invoices(noDate)).toEqual([]);
  });

  it("creates exactly one invoice when two runs overlap on separate connections", async () => {
    await clearCompanies();
    const ids = await Promise.all(
      ["2030-01-15", "2030-01-20", "2030-01-25"].map((d) => company(d)),
    );
    const second = new BillingService(new SequelizeInvoiceStore(other));

    const results = await Promise.all([
      service.createDueInvoices(NOW, 20),
      second.createDueInvoices(NOW, 20),
    ]);

    expect(results.reduce((sum, r) => sum + r.created, 0)).toBe(3);
    for (const id of ids) expect(await invoices(id)).toHaveLength(1);
  });

  it("counts calendar days in the company's time zone: 20 days away at 23:30 in São Paulo is not due", async () => {
    await clearCompanies();
    // 2030-03-10 23:30 in São Paulo (UTC-3) is already 2030-03-11 in UTC, 19 days before the due date.
    const lateEvening = new Date("2030-03-11T02:30:00Z");
    const saoPaulo = await company("2030-03-30", { timezone: "America/Sao_Paulo" });
    const utc = await company("2030-03-30", { timezone: "UTC" });

    await expect(service.createDueInvoices(lateEvening, 20)).resolves.toEqual({
      created: 1,
      companies: 1,
    });
    expect(await invoices(saoPaulo)).toEqual([]);
    expect(await invoices(utc)).toHaveLength(1);
  });

  it("refuses a window that is not a whole number of days", async () => {
    await expect(service.createDueInvoices(NOW, 1.5)).rejects.toThrow(RangeError);
  });
});
