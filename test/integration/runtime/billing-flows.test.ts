// The UserMonitor/VerifyLoginStatus and InvoiceMonitor/CreateInvoices flows in a real runtime:
// a job enqueued by hand runs its flow, completes with the node's result, and changes the database.
import path from "node:path";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRows } from "../../helpers/rows";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

const fixture = path.resolve(__dirname, "../../fixtures/runtime/billing");
let t: TestRuntime;
let companyId: number;

/** "YYYY-MM-DD" `days` after today in São Paulo (the companies' default time zone). */
function saoPauloDate(days: number): string {
  const local = new Date(Date.now() + days * 86_400_000);
  return local.toLocaleDateString("en-CA", { timeZone: "America/Sao_Paulo" });
}

beforeAll(async () => {
  t = await startTestRuntime(fixture, { editor: false });
  const rows = testRows(t.db.sequelize);
  const plan = await rows.insert("Plans", { name: "Plano Prata", amount: "99.00" });
  companyId = (
    await rows.insert("Companies", { name: "Empresa", planId: plan.id, dueDate: saoPauloDate(10) })
  ).id;
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

describe("billing and user monitor flows", () => {
  it("VerifyLoginStatus sets users idle for 10 minutes offline and completes with { updated }", async () => {
    const sql = t.db.sequelize;
    await sql.query(
      `INSERT INTO "Users" (name, email, "passwordHash", online, "companyId", "createdAt", "updatedAt")
       VALUES ('Idle', 'idle@example.com', 'x', true, $1, now() - interval '10 minutes', now() - interval '10 minutes'),
              ('Here', 'here@example.com', 'x', true, $1, now(), now())`,
      { bind: [companyId] },
    );

    const job = await t.runtime.queues.enqueue("UserMonitor", "VerifyLoginStatus", {});
    await expect(job.finished()).resolves.toEqual({ updated: 1 });

    const users = await sql.query<{ email: string; online: boolean }>(
      `SELECT email, online FROM "Users" ORDER BY email`,
      { type: QueryTypes.SELECT },
    );
    expect(users).toEqual([
      { email: "here@example.com", online: true },
      { email: "idle@example.com", online: false },
    ]);
  });

  it("CreateInvoices invoices a company due in 10 days once and completes with { created, companies }", async () => {
    const first = await t.runtime.queues.enqueue("InvoiceMonitor", "CreateInvoices", {});
    await expect(first.finished()).resolves.toEqual({ created: 1, companies: 1 });
    const again = await t.runtime.queues.enqueue("InvoiceMonitor", "CreateInvoices", {});
    await expect(again.finished()).resolves.toEqual({ created: 0, companies: 1 });

    const invoices = await t.db.sequelize.query(
      `SELECT "companyId", "dueDate", detail, status, value FROM "Invoices"`,
      { type: QueryTypes.SELECT },
    );
    expect(invoices).toEqual([
      {
        companyId,
        dueDate: saoPauloDate(10),
        detail: "Plano Prata",
        status: "open",
        value: "99.00",
      },
    ]);
  });
});
