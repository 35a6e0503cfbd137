// The SQL behind BillingService. One statement, parameterized: the companies due soon are chosen
// and their invoices inserted together, and the unique constraint invoices_company_due_date_key
// (not a read-then-write) keeps it to one invoice per company and due date under any concurrency.
import { QueryTypes, type Sequelize } from "sequelize";
import type { DueInvoicesResult, InvoiceStore } from "../../../services/ports/invoice-store";

// "dueDate" - local date is a whole number of calendar days (date - date in Postgres).
const CREATE_DUE_INVOICES = `
WITH due AS (
  SELECT c.id AS "companyId", c."dueDate", p.name AS detail, p.amount AS value
    FROM "Companies" c
    JOIN "Plans" p ON p.id = c."planId"
   WHERE c."dueDate" IS NOT NULL
     AND c."dueDate" - ($1::timestamptz AT TIME ZONE c.timezone)::date < $2
), inserted AS (
  INSERT INTO "Invoices" ("companyId", "dueDate", detail, status, value, "createdAt", "updatedAt")
  SELECT "companyId", "dueDate", detail, 'open', value, $1, $1 FROM due
  ON CONFLICT ("companyId", "dueDate") DO NOTHING
  RETURNING id
)
SELECT (SELECT count(*) FROM inserted)::int AS created, (SELECT count(*) FROM due)::int AS companies`;

export class SequelizeInvoiceStore implements InvoiceStore {
  constructor(private readonly sequelize: Sequelize) {}

  async createDueInvoices(now: Date, withinDays: number): Promise<DueInvoicesResult> {
    const [row] = await this.sequelize.query<DueInvoicesResult>(CREATE_DUE_INVOICES, {
      bind: [now, withinDays],
      type: QueryTypes.SELECT,
    });
    return { created: row?.created ?? 0, companies: row?.companies ?? 0 };
  }
}
