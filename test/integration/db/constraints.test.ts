// The schema's guarantees, proven by trying to break them against a real Postgres: unique keys
// (also under concurrent inserts), CHECK constraints, one default connection, cascades.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db/migrator";
import { type DbModels, initModels } from "../../../runtime/adapters/db/models";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";

let db: TestDatabase;
let m: DbModels;
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
  m = initModels(db.sequelize);
  const plan = await m.Plan.create({ name: "Básico", amount: "99.90" });
  companyA = (await m.Company.create({ name: "Empresa A", planId: plan.id })).id;
  companyB = (await m.Company.create({ name: "Empresa B", planId: plan.id })).id;
}, 30_000);

afterAll(async () => {
  await db?.drop();
});

describe("Invoices: one per company and due date", () => {
  it("accepts exactly one of five concurrent inserts for the same company and date", async () => {
    const attempt = () =>
      m.Invoice.create({
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
    expect(await m.Invoice.count({ where: { companyId: companyA, dueDate: "2030-01-10" } })).toBe(
      1,
    );
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
    const invoice = await m.Invoice.create({
      companyId: companyB,
      dueDate: "2030-01-10",
      value: "99.90",
    });
    expect(invoice.status).toBe("open");
    const reloaded = await m.Invoice.findByPk(invoice.id);
    expect(reloaded?.dueDate).toBe("2030-01-10");
    expect(reloaded?.value).toBe("99.90");
  });
});

describe("CampaignShipping: one per campaign and contact-list item", () => {
  it("rejects a second row for the same campaign and contact, accepts another contact", async () => {
    const list = await m.ContactList.create({ name: "Lista", companyId: companyA });
    const [first, second] = await m.ContactListItem.bulkCreate([
      { name: "Ana", number: "5511900000001", contactListId: list.id, companyId: companyA },
      { name: "Bia", number: "5511900000002", contactListId: list.id, companyId: companyA },
    ]);
    if (first === undefined || second === undefined) throw new Error("items not created");
    const campaign = await m.Campaign.create({
      name: "C",
      companyId: companyA,
      contactListId: list.id,
    });
    const shipping = { campaignId: campaign.id, number: first.number, message: "Oi" };
    await m.CampaignShipping.create({ ...shipping, contactId: first.id });

    const err = await rejection(m.CampaignShipping.create({ ...shipping, contactId: first.id }));
    expect(pgError(err)).toEqual({
      code: "23505",
      constraint: "campaign_shipping_campaign_contact_key",
    });
    await m.CampaignShipping.create({ ...shipping, contactId: second.id, number: second.number });
    expect(await m.CampaignShipping.count({ where: { campaignId: campaign.id } })).toBe(2);
  });

  it("rejects the same number twice in one contact list", async () => {
    const list = await m.ContactList.create({ name: "Outra", companyId: companyA });
    const item = {
      name: "Ana",
      number: "5511900000009",
      contactListId: list.id,
      companyId: companyA,
    };
    await m.ContactListItem.create(item);
    const err = await rejection(m.ContactListItem.create(item));
    expect(pgError(err).constraint).toBe("contact_list_items_list_number_key");
  });
});

describe("Contacts: a number is unique within a company", () => {
  it("rejects a duplicate number in one company and accepts it in another", async () => {
    await m.Contact.create({ name: "Carlos", number: "5511987650000", companyId: companyA });
    const err = await rejection(
      m.Contact.create({ name: "Carlos 2", number: "5511987650000", companyId: companyA }),
    );
    expect(pgError(err)).toEqual({ code: "23505", constraint: "contacts_company_number_key" });
    const other = await m.Contact.create({
      name: "Carlos",
      number: "5511987650000",
      companyId: companyB,
    });
    expect(other.companyId).toBe(companyB);
  });
});

describe("status columns", () => {
  it("are limited by CHECK constraints even for raw SQL", async () => {
    const contact = await m.Contact.create({
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

  it("are validated by the models before any SQL is sent", async () => {
    const campaign = m.Campaign.build({ name: "Inválida", companyId: companyA });
    campaign.set("status", "RODANDO" as never);
    const err = await rejection(campaign.save());
    expect((err as Error).name).toBe("SequelizeValidationError");
    expect(await m.Campaign.count({ where: { name: "Inválida" } })).toBe(0);
  });
});

describe("Whatsapps", () => {
  it("allow one live default per company; a deleted one frees the slot but keeps its row", async () => {
    const first = await m.Whatsapp.create({
      name: "Principal",
      isDefault: true,
      companyId: companyA,
    });
    const err = await rejection(
      m.Whatsapp.create({ name: "Outra", isDefault: true, companyId: companyA }),
    );
    expect(pgError(err).constraint).toBe("whatsapps_one_default_key");

    await first.destroy();
    expect(await m.Whatsapp.findByPk(first.id)).toBeNull();
    const deleted = await m.Whatsapp.findByPk(first.id, { paranoid: false });
    expect(deleted?.deletedAt).toBeInstanceOf(Date);
    const replacement = await m.Whatsapp.create({
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
    const created = await m.SendLedger.create(row);
    expect(created.status).toBe("sending");
    const err = await rejection(m.SendLedger.create(row));
    expect(pgError(err)).toEqual({ code: "23505", constraint: "SendLedger_pkey" });
  });
});

describe("deleting a company", () => {
  it("cascades to everything it owns", async () => {
    const company = await m.Company.create({ name: "Efêmera" });
    const contact = await m.Contact.create({
      name: "F",
      number: "5511933330000",
      companyId: company.id,
    });
    await m.Ticket.create({ contactId: contact.id, companyId: company.id });
    await m.Invoice.create({ companyId: company.id, dueDate: "2030-03-01", value: "10.00" });
    await company.destroy();
    expect(await m.Contact.count({ where: { companyId: company.id } })).toBe(0);
    expect(await m.Ticket.count({ where: { companyId: company.id } })).toBe(0);
    expect(await m.Invoice.count({ where: { companyId: company.id } })).toBe(0);
  });
});
