// Model round-trips against a real Postgres: the includes the jobs rely on, generated columns,
// soft-deleted connections.
import { Op } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../../runtime/adapters/db/migrator";
import { type DbModels, initModels } from "../../../runtime/adapters/db/models";
import { seedDemo } from "../../../runtime/adapters/db/seed/demo-seed";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";

let db: TestDatabase;
let m: DbModels;
let companyId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  ({ companyId } = await seedDemo(db.sequelize, { passwordHash: (p) => `h:${p}` }));
  m = initModels(db.sequelize);
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

describe("models", () => {
  it("initModels is idempotent for one instance", () => {
    expect(initModels(db.sequelize)).toBe(m);
    expect(m.Ticket.getTableName()).toBe("Tickets");
    expect(m.CampaignShipping.getTableName()).toBe("CampaignShipping");
  });

  it("load a ticket with its contact, queue, connection, attendant and lane tags", async () => {
    const ticket = await m.Ticket.findOne({
      where: { status: "open" },
      include: ["contact", "queue", "whatsapp", "user", "tags"],
      order: [["id", "ASC"]],
    });
    expect(ticket?.contact?.number).toMatch(/^55119\d{8}$/);
    expect(ticket?.queue?.name).toBe("Atendimento");
    expect(ticket?.whatsapp?.isDefault).toBe(true);
    expect(ticket?.user?.name).toBe("Ana Atendente");
    expect(ticket?.tags?.map((t) => t.name)).toEqual(["Novo"]);
    expect(ticket?.uuid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("create a ticket and message and read them back through the ticket", async () => {
    const contact = await m.Contact.create({
      name: "Novo Cliente",
      number: "5511900001234",
      companyId,
    });
    const ticket = await m.Ticket.create({ contactId: contact.id, companyId, lastMessage: "Oi" });
    await m.Message.create({
      wid: "ABC123",
      body: "Oi",
      ticketId: ticket.id,
      contactId: contact.id,
      companyId,
    });
    const loaded = await m.Ticket.findByPk(ticket.id, { include: ["messages", "contact"] });
    expect(loaded).toMatchObject({
      status: "pending",
      unreadMessages: 0,
      fromMe: false,
      isGroup: false,
    });
    expect(loaded?.contact?.name).toBe("Novo Cliente");
    expect(loaded?.messages?.map((msg) => [msg.wid, msg.body, msg.ack, msg.fromMe])).toEqual([
      ["ABC123", "Oi", 0, false],
    ]);
  });

  it("load a company with its plan, connections, queues and users", async () => {
    const company = await m.Company.findByPk(companyId, {
      include: ["plan", "whatsapps", "queues", "users"],
    });
    expect(company?.plan?.amount).toBe("199.90");
    expect(company?.whatsapps).toHaveLength(2);
    expect(company?.queues?.map((q) => q.name).sort()).toEqual(["Atendimento", "Financeiro"]);
    expect(company?.users).toHaveLength(4);
  });

  it("load a campaign shipping with its contact-list item and campaign", async () => {
    const campaign = await m.Campaign.findOne({
      include: [{ association: "contactList", include: ["contacts"] }],
    });
    const item = campaign?.contactList?.contacts?.[0];
    if (campaign === null || item === undefined) throw new Error("seeded campaign missing");
    const shipping = await m.CampaignShipping.create({
      campaignId: campaign.id,
      contactId: item.id,
      number: item.number,
      message: "\u200c Olá",
    });
    const loaded = await m.CampaignShipping.findByPk(shipping.id, {
      include: ["contact", "campaign"],
    });
    expect(loaded?.contact?.name).toBe(item.name);
    expect(loaded?.campaign?.name).toBe("Boas-vindas Demo");
    expect(loaded).toMatchObject({ deliveredAt: null, confirmation: null, failedAt: null });
  });

  it("load a schedule with contact, author, connection and queue", async () => {
    const schedule = await m.Schedule.findOne({
      where: { openTicket: "enabled" },
      include: ["contact", "user", "ticketUser", "whatsapp", "queue"],
    });
    expect(schedule?.contact?.name).toBeTruthy();
    expect(schedule?.user?.name).toBe("Admin Demo");
    expect(schedule?.ticketUser?.name).toBe("Ana Atendente");
    expect(schedule?.whatsapp?.status).toBe("CONNECTED");
    expect(schedule?.queue?.name).toBe("Atendimento");
    expect(schedule?.statusTicket).toBe("pending");
  });
});

describe("deleted connections", () => {
  it("disappear from default queries, stay detectable, and keep their tickets' history", async () => {
    const gone = await m.Whatsapp.findOne({ where: { status: "DISCONNECTED" } });
    if (gone === null) throw new Error("seeded connection missing");
    const contact = await m.Contact.create({
      name: "Histórico",
      number: "5511900009999",
      companyId,
    });
    const ticket = await m.Ticket.create({ contactId: contact.id, companyId, whatsappId: gone.id });
    await gone.destroy();

    expect(await m.Whatsapp.count()).toBe(1);
    const deleted = await m.Whatsapp.findAll({
      where: { deletedAt: { [Op.ne]: null } },
      paranoid: false,
    });
    expect(deleted.map((w) => w.id)).toEqual([gone.id]);
    const reloaded = await m.Ticket.findByPk(ticket.id);
    expect(reloaded?.whatsappId).toBe(gone.id);
  });
});
