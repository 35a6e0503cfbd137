// The schema's guarantees, proven by trying to break them against a real Postgres: unique keys
// (also under concurrent inserts), CHECK constraints (and that they list what the code's enums
// list), one default connection, cascades.

import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db/migrator";
import {
  CAMPAIGN_STATUSES,
  INVOICE_STATUSES,
  SCHEDULE_STATUSES,
  SEND_LEDGER_STATUSES,
  TICKET_STATUSES,
  USER_PROFILES,
  WHATSAPP_PROVIDERS,
  WHATSAPP_STATUSES,
} from "../../../runtime/services/ports/enums";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { type TestRows, testRows } from "../../helpers/rows";

let db: TestDatabase;
let rows: TestRows;
let companyA: number;
let companyB: number;

/** The Postgres error under a Sequelize error: SQLSTATE and constraint name. */
function pgError(err: unknown): { code?: string; constraint?: string } {
  const parent = (err as { parent?: { code?: string; constraint?: string } }).parent;
  return { code: parent?.code, constraint: parent?.constraint };
}

async function rejection(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => {
      throw new Error("expected the database to reject this write");
    },
    (err: unknown) => err,
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  rows = testRows(db.sequelize);
  const plan = await rows.insert("Plans", { name: "Básico", amount: "99.90" });
  companyA = (await rows.insert("Companies", { name: "Empresa A", planId: plan.id })).id;
  companyB = (await rows.insert("Companies", { name: "Empresa B", planId: plan.id })).id;
}, 30_000);

afterAll(async () => {
  await db?.drop();
});

describe("Invoices: one per company and due date", () => {
  it("accepts exactly one of five concurrent inserts for the same company and date", async () => {
    const attempt = () =>
      rows.insert("Invoices", {
        companyId: companyA,
        dueDate: "2030-01-10",
        value: "99.90",
        detail: "Básico",
      });
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map(() => attempt()));
    const rejected = results.filter((r) => r.status === "rejected");
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(rejected).toHaveLength(4);
    for (const r of rejected) {
      expect(pgError(r.reason)).toEqual({
        code: "23505",
        constraint: "invoices_company_due_date_key",
      });
    }
    expect(await rows.count("Invoices", { companyId: companyA, dueDate: "2030-01-10" })).toBe(1);
  });

  it("lets an idempotent INSERT … ON CONFLICT DO NOTHING create nothing the second time", async () => {
    const insert = () =>
      db.sequelize.query(
        `INSERT INTO "Invoices" ("companyId", "dueDate", detail, value)
         VALUES (:companyId, :dueDate, :detail, :value)
         ON CONFLICT ("companyId", "dueDate") DO NOTHING RETURNING id`,
        {
          replacements: {
            companyId: companyA,
            dueDate: "2030-02-10",
            detail: "Básico",
            value: "99.90",
          },
        },
      );
    const [first] = await insert();
    const [second] = await insert();
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(0);
  });

  it("allows the same due date for another company", async () => {
    const invoice = await rows.insert("Invoices", {
      companyId: companyB,
      dueDate: "2030-01-10",
      value: "99.90",
    });
    expect(invoice.status).toBe("open");
    const reloaded = await rows.findOne("Invoices", { id: invoice.id });
    expect(reloaded?.dueDate).toBe("2030-01-10");
    expect(reloaded?.value).toBe("99.90");
  });
});

describe("CampaignShipping: one per campaign and contact-list item", () => {
  it("rejects a second row for the same campaign and contact, accepts another contact", async () => {
    const list = await rows.insert("ContactLists", { name: "Lista", companyId: companyA });
    const [first, second] = await rows.insertMany<{ number: string }>("ContactListItems", [
      { name: "Ana", number: "5511900000001", contactListId: list.id, companyId: companyA },
      { name: "Bia", number: "5511900000002", contactListId: list.id, companyId: companyA },
    ]);
    if (first === undefined || second === undefined) throw new Error("items not created");
    const campaign = await rows.insert("Campaigns", {
      name: "C",
      companyId: companyA,
      contactListId: list.id,
    });
    const shipping = { campaignId: campaign.id, number: first.number, message: "Oi" };
    await rows.insert("CampaignShipping", { ...shipping, contactId: first.id });

    const err = await rejection(
      rows.insert("CampaignShipping", { ...shipping, contactId: first.id }),
    );
    expect(pgError(err)).toEqual({
      code: "23505",
      constraint: "campaign_shipping_campaign_contact_key",
    });
    await rows.insert("CampaignShipping", {
      ...shipping,
      contactId: second.id,
      number: second.number,
    });
    expect(await rows.count("CampaignShipping", { campaignId: campaign.id })).toBe(2);
  });

  it("rejects the same number twice in one contact list", async () => {
    const list = await rows.insert("ContactLists", { name: "Outra", companyId: companyA });
    const item = {
      name: "Ana",
      number: "5511900000009",
      contactListId: list.id,
      companyId: companyA,
    };
    await rows.insert("ContactListItems", item);
    const err = await rejection(rows.insert("ContactListItems", item));
    expect(pgError(err).constraint).toBe("contact_list_items_list_number_key");
  });
});

describe("Contacts: a number is unique within a company", () => {
  it("rejects a duplicate number in one company and accepts it in another", async () => {
    await rows.insert("Contacts", { name: "Carlos", number: "5511987650000", companyId: companyA });
    const err = await rejection(
      rows.insert("Contacts", { name: "Carlos 2", number: "5511987650000", companyId: companyA }),
    );
    expect(pgError(err)).toEqual({ code: "23505", constraint: "contacts_company_number_key" });
    const other = await rows.insert("Contacts", {
      name: "Carlos",
      number: "5511987650000",
      companyId: companyB,
    });
    expect(other.companyId).toBe(companyB);
  });
});

describe("status columns", () => {
  it("are limited by CHECK constraints even for raw SQL", async () => {
    const contact = await rows.insert("Contacts", {
      name: "D",
      number: "5511911110000",
      companyId: companyA,
    });
    const err = await rejection(
      db.sequelize.query(
        `INSERT INTO "Tickets" ("contactId", "companyId", status) VALUES (:contactId, :companyId, 'archived')`,
        { replacements: { contactId: contact.id, companyId: companyA } },
      ),
    );
    expect(pgError(err)).toEqual({ code: "23514", constraint: "tickets_status_check" });
    const badSchedule = db.sequelize.query(
      `INSERT INTO "Schedules" (body, "sendAt", status, "contactId", "companyId")
       VALUES ('x', now(), 'SENT', :contactId, :companyId)`,
      { replacements: { contactId: contact.id, companyId: companyA } },
    );
    expect(pgError(await rejection(badSchedule)).constraint).toBe("schedules_status_check");
    const badLedger = db.sequelize.query(
      `INSERT INTO "SendLedger" (key, "companyId", jid, status)
       VALUES ('MessageQueue:1', :companyId, '5511911110000@s.whatsapp.net', 'queued')`,
      { replacements: { companyId: companyA } },
    );
    expect(pgError(await rejection(badLedger)).constraint).toBe("send_ledger_status_check");
  });

  it("accept exactly the values the code's enums list (services/ports/enums.ts)", async () => {
    const checks = await db.sequelize.query<{ name: string; definition: string }>(
      `SELECT conname AS name, pg_get_constraintdef(oid) AS definition
         FROM pg_constraint WHERE contype = 'c' AND connamespace = 'public'::regnamespace`,
      { type: QueryTypes.SELECT },
    );
    const allowed = (name: string) => {
      const definition = checks.find((c) => c.name === name)?.definition ?? "";
      return [...definition.matchAll(/'([^']*)'/g)].map((match) => match[1]);
    };
    expect(allowed("tickets_status_check")).toEqual([...TICKET_STATUSES]);
    expect(allowed("schedules_status_ticket_check")).toEqual([...TICKET_STATUSES]);
    expect(allowed("campaigns_status_ticket_check")).toEqual([...TICKET_STATUSES]);
    expect(allowed("users_profile_check")).toEqual([...USER_PROFILES]);
    expect(allowed("api_tokens_profile_check")).toEqual([...USER_PROFILES]);
    expect(allowed("whatsapps_status_check")).toEqual([...WHATSAPP_STATUSES]);
    expect(allowed("whatsapps_provider_check")).toEqual([...WHATSAPP_PROVIDERS]);
    expect(allowed("schedules_status_check")).toEqual([...SCHEDULE_STATUSES]);
    expect(allowed("campaigns_status_check")).toEqual([...CAMPAIGN_STATUSES]);
    expect(allowed("send_ledger_status_check")).toEqual([...SEND_LEDGER_STATUSES]);
    expect(allowed("invoices_status_check")).toEqual([...INVOICE_STATUSES]);
    const err = await rejection(
      rows.insert("Campaigns", { name: "Inválida", companyId: companyA, status: "RODANDO" }),
    );
    expect(pgError(err)).toEqual({ code: "23514", constraint: "campaigns_status_check" });
    expect(await rows.count("Campaigns", { name: "Inválida" })).toBe(0);
  });
});

describe("Whatsapps", () => {
  it("allow one live default per company; a deleted one frees the slot but keeps its row", async () => {
    const first = await rows.insert("Whatsapps", {
      name: "Principal",
      isDefault: true,
      companyId: companyA,
    });
    const err = await rejection(
      rows.insert("Whatsapps", { name: "Outra", isDefault: true, companyId: companyA }),
    );
    expect(pgError(err).constraint).toBe("whatsapps_one_default_key");

    // Deleted as the API deletes a connection: the row stays, with deletedAt set.
    await rows.update("Whatsapps", { deletedAt: new Date() }, { id: first.id });
    expect(await rows.findOne("Whatsapps", { id: first.id, deletedAt: null })).toBeNull();
    const deleted = await rows.findOne("Whatsapps", { id: first.id });
    expect(deleted?.deletedAt).toBeInstanceOf(Date);
    const replacement = await rows.insert("Whatsapps", {
      name: "Principal",
      isDefault: true,
      companyId: companyA,
    });
    expect(replacement.id).not.toBe(first.id);
  });
});

describe("SendLedger", () => {
  it("holds one row per idempotency key, claimed 'sending' by default", async () => {
    const row = {
      key: "MessageQueue:42",
      companyId: companyA,
      jid: "5511922220000@s.whatsapp.net",
    };
    const created = await rows.insert("SendLedger", row);
    expect(created.status).toBe("sending");
    const err = await rejection(rows.insert("SendLedger", row));
    expect(pgError(err)).toEqual({ code: "23505", constraint: "SendLedger_pkey" });
  });
});

describe("deleting a company", () => {
  it("cascades to everything it owns", async () => {
    const company = await rows.insert("Companies", { name: "Efêmera" });
    const contact = await rows.insert("Contacts", {
      name: "F",
      number: "5511933330000",
      companyId: company.id,
    });
    await rows.insert("Tickets", { contactId: contact.id, companyId: company.id });
    await rows.insert("Invoices", { companyId: company.id, dueDate: "2030-03-01", value: "10.00" });
    await rows.remove("Companies", { id: company.id });
    expect(await rows.count("Contacts", { companyId: company.id })).toBe(0);
    expect(await rows.count("Tickets", { companyId: company.id })).toBe(0);
    expect(await rows.count("Invoices", { companyId: company.id })).toBe(0);
  });
});
