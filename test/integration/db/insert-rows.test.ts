// Rows written with plain SQL (insertRows, the demo seed's and the tests' one way in) against the
// migrated schema: the columns left out take the migrations' defaults, rows naming different
// columns share one statement, a wrong name is refused with the name, and a deleted connection
// keeps its row and its tickets' history.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db/migrator";
import { insertRows, quoteName } from "../../../runtime/adapters/db/seed/insert-rows";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { type TestRows, testRows } from "../../helpers/rows";

let db: TestDatabase;
let rows: TestRows;
let companyId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  rows = testRows(db.sequelize);
  companyId = (await rows.insert("Companies", { name: "Empresa" })).id;
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

describe("insertRows", () => {
  it("gives a ticket and its message, written with their required columns only, the schema's defaults", async () => {
    const contact = await rows.insert("Contacts", {
      name: "Novo Cliente",
      number: "5511900001234",
      companyId,
    });
    const ticket = await rows.insert("Tickets", { contactId: contact.id, companyId });
    const message = await rows.insert("Messages", {
      wid: "ABC123",
      ticketId: ticket.id,
      contactId: contact.id,
      companyId,
    });
    expect(ticket).toMatchObject({
      status: "pending",
      lastMessage: "",
      unreadMessages: 0,
      fromMe: false,
      isGroup: false,
      userId: null,
      closedAt: null,
    });
    expect(ticket.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(ticket.createdAt).toBeInstanceOf(Date);
    expect(message).toMatchObject({ body: "", ack: 0, read: false, fromMe: false });
    expect(contact).toMatchObject({ email: "", isGroup: false, active: true });
  });

  it("starts a campaign shipping unsent, unconfirmed and not failed", async () => {
    const list = await rows.insert("ContactLists", { name: "Lista", companyId });
    const item = await rows.insert("ContactListItems", {
      name: "Ana",
      number: "5511900000001",
      contactListId: list.id,
      companyId,
    });
    const campaign = await rows.insert("Campaigns", { name: "C", companyId });
    const shipping = await rows.insert("CampaignShipping", {
      campaignId: campaign.id,
      contactId: item.id,
      number: "5511900000001",
    });
    expect(campaign).toMatchObject({
      status: "INATIVA",
      statusTicket: "closed",
      confirmation: false,
    });
    expect(shipping).toMatchObject({
      message: "",
      deliveredAt: null,
      confirmation: null,
      failedAt: null,
      dueAt: null,
    });
  });

  it("writes rows naming different columns in one statement, the columns one leaves out at their default, in order", async () => {
    const [routed, plain] = await insertRows(db.sequelize, "Queues", [
      { name: "Atendimento", color: "#2e7d32", ativarRoteador: true, tempoRoteador: 5, companyId },
      { name: "Financeiro", color: "#1565c0", companyId },
    ]);
    expect(routed).toMatchObject({ name: "Atendimento", ativarRoteador: true, tempoRoteador: 5 });
    expect(plain).toMatchObject({ name: "Financeiro", ativarRoteador: false, tempoRoteador: 0 });
    expect((plain?.id ?? 0) > (routed?.id ?? 0)).toBe(true);
    expect(await insertRows(db.sequelize, "Queues", [])).toEqual([]);
  });

  it("is refused by Postgres for a column the migrations do not have, naming it, and writes nothing", async () => {
    const write = insertRows(db.sequelize, "Tags", [
      { name: "Certa", companyId },
      { name: "Errada", companyId, colour: "#fff" },
    ]);
    await expect(write).rejects.toThrow(/column "colour" of relation "Tags" does not exist/);
    expect(await rows.count("Tags", { companyId })).toBe(0);
  });

  it("refuses a name that is not a plain identifier before any SQL is sent", async () => {
    expect(quoteName("companyId")).toBe('"companyId"');
    expect(() => quoteName('name"; DROP TABLE "Tags')).toThrow(/not a table or column name/);
    await expect(
      insertRows(db.sequelize, "Tags", [{ name: "x", companyId, "color = 1 --": "y" }]),
    ).rejects.toThrow(/not a table or column name: "color = 1 --"/);
    await expect(insertRows(db.sequelize, "Tags", [{}])).rejects.toThrow(/names no column/);
  });
});

describe("the tests' rows (test/helpers/rows.ts)", () => {
  it("match null as IS NULL, a list as one of, undefined as no row; update stamps updatedAt", async () => {
    const at = new Date("2020-01-01T00:00:00Z");
    const base = { companyId, createdAt: at, updatedAt: at };
    const [red, green] = await rows.insertMany("Tags", [
      { ...base, name: "Vermelha", color: "#f00", greetingMessageLane: "Oi" },
      { ...base, name: "Verde", color: "#0f0" },
    ]);
    if (red === undefined || green === undefined) throw new Error("tags not created");
    expect(await rows.count("Tags", { companyId, greetingMessageLane: null })).toBe(1);
    const both = await rows.find("Tags", { id: [red.id, green.id] }, ["name DESC"]);
    expect(both.map((t) => t.name)).toEqual(["Vermelha", "Verde"]);
    expect(await rows.findOne("Tags", { id: undefined })).toBeNull();
    expect(await rows.update("Tags", { timeLane: 2 }, { id: green.id })).toBe(1);
    const updated = await rows.get<{ updatedAt: Date }>("Tags", { id: green.id });
    expect(updated.timeLane).toBe(2);
    expect(updated.updatedAt.getTime()).toBeGreaterThan(at.getTime());
    expect(await rows.remove("Tags", { companyId })).toBe(2);
    await expect(rows.get("Tags", { id: red.id })).rejects.toThrow(/no row in Tags/);
  });
});

describe("deleted connections", () => {
  it("keep their row (deletedAt set) and their tickets' history, and free the default slot", async () => {
    const gone = await rows.insert("Whatsapps", { name: "Antiga", isDefault: true, companyId });
    const contact = await rows.insert("Contacts", {
      name: "Histórico",
      number: "5511900009999",
      companyId,
    });
    const ticket = await rows.insert("Tickets", {
      contactId: contact.id,
      companyId,
      whatsappId: gone.id,
    });
    await rows.update("Whatsapps", { deletedAt: new Date() }, { id: gone.id });

    const live = await rows.insert("Whatsapps", { name: "Nova", isDefault: true, companyId });
    expect(await rows.count("Whatsapps", { companyId, deletedAt: null })).toBe(1);
    const all = await rows.find("Whatsapps", { companyId }, ["id"]);
    expect(all.map((w) => [w.id, w.deletedAt instanceof Date])).toEqual([
      [gone.id, true],
      [live.id, false],
    ]);
    expect((await rows.get("Tickets", { id: ticket.id })).whatsappId).toBe(gone.id);
  });
});
