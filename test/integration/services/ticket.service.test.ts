// TicketService against a real Postgres: the contact's current ticket is reused, a new one gets
// the queue/attendant/status asked for, concurrent callers on separate connections open one
// ticket, template values come from the ticket's rows, and a message is recorded once per wid.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSequelize, type Sequelize } from "../../../runtime/adapters/db/connection";
import { migrateUp } from "../../../runtime/adapters/db/migrator";
import { SequelizeTicketStore } from "../../../runtime/adapters/db/repositories/ticket-store";
import { ChatiaError } from "../../../runtime/errors";
import { renderTicketTemplate } from "../../../runtime/services/message-template";
import { TicketService } from "../../../runtime/services/ticket.service";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { type TestRows, testRows } from "../../helpers/rows";

let db: TestDatabase;
let second: Sequelize;
let dbRows: TestRows;
let service: TicketService;
let companyA: number;
let companyB: number;
let waA: number;
let waA2: number;
let waB: number;
let queueA: number;
let queueB: number;
let userA: number;
let userB: number;
let numberSeq = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  second = createSequelize(db.url, { poolMax: 5 });
  dbRows = testRows(db.sequelize);
  companyA = (
    await dbRows.insert("Companies", { name: "Empresa A", timezone: "America/Sao_Paulo" })
  ).id;
  companyB = (await dbRows.insert("Companies", { name: "Empresa B" })).id;
  waA = (
    await dbRows.insert("Whatsapps", {
      name: "Comercial",
      companyId: companyA,
      status: "CONNECTED",
    })
  ).id;
  waA2 = (
    await dbRows.insert("Whatsapps", { name: "Suporte", companyId: companyA, status: "CONNECTED" })
  ).id;
  waB = (await dbRows.insert("Whatsapps", { name: "B", companyId: companyB, status: "CONNECTED" }))
    .id;
  queueA = (await dbRows.insert("Queues", { name: "Vendas", color: "#000", companyId: companyA }))
    .id;
  queueB = (await dbRows.insert("Queues", { name: "Outra", color: "#111", companyId: companyB }))
    .id;
  userA = (
    await dbRows.insert("Users", {
      name: "Ana Souza",
      email: "ana@a.test",
      passwordHash: "x",
      companyId: companyA,
    })
  ).id;
  userB = (
    await dbRows.insert("Users", {
      name: "Bia",
      email: "bia@b.test",
      passwordHash: "x",
      companyId: companyB,
    })
  ).id;
  service = new TicketService(new SequelizeTicketStore(db.sequelize));
}, 60_000);

afterAll(async () => {
  await second?.close();
  await db?.drop();
});

async function newContact(name = "Maria Lima", companyId = companyA): Promise<number> {
  numberSeq += 1;
  return (
    await dbRows.insert("Contacts", { name, number: `55119000${10000 + numberSeq}`, companyId })
  ).id;
}

function ticketsOf(contactId: number) {
  return dbRows.find("Tickets", { contactId }, ["id"]);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChatiaError);
  return (err as ChatiaError).code;
}

describe("findOrOpenTicket", () => {
  it("opens a ticket with the queue, attendant and status asked for, then reuses it", async () => {
    const contactId = await newContact();
    const now = new Date("2027-03-01T12:00:00Z");
    const first = await service.findOrOpenTicket({
      companyId: companyA,
      whatsappId: waA,
      contactId,
      queueId: queueA,
      userId: userA,
      status: "open",
      now,
    });
    expect(first.created).toBe(true);
    expect(first.ticket).toMatchObject({
      status: "open",
      queueId: queueA,
      userId: userA,
      contactId,
      whatsappId: waA,
      companyId: companyA,
      isGroup: false,
      createdAt: now.toISOString(),
    });
    const again = await service.findOrOpenTicket({
      companyId: companyA,
      whatsappId: waA,
      contactId,
      queueId: null,
      status: "pending",
    });
    expect(again).toEqual({ ticket: first.ticket, created: false });
    expect(await ticketsOf(contactId)).toHaveLength(1);
  });

  it("opens a new ticket on another connection, and after the old one closed", async () => {
    const contactId = await newContact();
    const a = await service.findOrOpenTicket({ companyId: companyA, whatsappId: waA, contactId });
    expect(a.ticket.status).toBe("pending");
    const other = await service.findOrOpenTicket({
      companyId: companyA,
      whatsappId: waA2,
      contactId,
    });
    expect(other.created).toBe(true);
    await dbRows.update("Tickets", { status: "closed" }, { id: a.ticket.id });
    const reopened = await service.findOrOpenTicket({
      companyId: companyA,
      whatsappId: waA,
      contactId,
    });
    expect(reopened.created).toBe(true);
    expect(reopened.ticket.id).not.toBe(a.ticket.id);
  });

  it("creates a closed ticket with closedAt when the status asked is closed", async () => {
    const contactId = await newContact();
    const now = new Date("2027-03-02T08:00:00Z");
    const r = await service.findOrOpenTicket({
      companyId: companyA,
      whatsappId: waA,
      contactId,
      status: "closed",
      now,
    });
    const row = await dbRows.findOne<{ closedAt: Date | null }>("Tickets", { id: r.ticket.id });
    expect(row?.status).toBe("closed");
    expect(row?.closedAt?.toISOString()).toBe(now.toISOString());
  });

  it("finds or creates the contact by number (digits only), and groups by id", async () => {
    const r = await service.findOrOpenTicket({
      companyId: companyA,
      whatsappId: waA,
      number: "+55 (11) 97777-0001",
    });
    const contact = await dbRows.findOne("Contacts", { id: r.ticket.contactId });
    expect(contact?.number).toBe("5511977770001");
    const same = await service.findOrOpenTicket({
      companyId: companyA,
      whatsappId: waA,
      number: "5511977770001",
    });
    expect(same.ticket.id).toBe(r.ticket.id);
    const group = await service.findOrOpenTicket({
      companyId: companyA,
      whatsappId: waA,
      number: "120363000000000001",
      isGroup: true,
    });
    expect(group.ticket.isGroup).toBe(true);
  });

  it("opens exactly one ticket when 40 callers on two connection pools race for a new contact", async () => {
    const contactId = await newContact();
    const services = [service, new TicketService(new SequelizeTicketStore(second))] as const;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? services[0] : services[1]).findOrOpenTicket({
          companyId: companyA,
          whatsappId: waA,
          contactId,
        }),
      ),
    );
    expect(new Set(results.map((r) => r.ticket.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await ticketsOf(contactId)).toHaveLength(1);
  });

  it("refuses another company's connection, contact, queue or user, and a bad status", async () => {
    const contactId = await newContact();
    const base = { companyId: companyA, whatsappId: waA, contactId } as const;
    expect(await codeOf(service.findOrOpenTicket({ ...base, whatsappId: waB }))).toBe(
      "CF_WA_UNKNOWN_CONNECTION",
    );
    const foreign = await newContact("Outro", companyB);
    expect(await codeOf(service.findOrOpenTicket({ ...base, contactId: foreign }))).toBe(
      "CF_TICKET_INVALID",
    );
    expect(await codeOf(service.findOrOpenTicket({ ...base, queueId: queueB }))).toBe(
      "CF_TICKET_INVALID",
    );
    expect(await codeOf(service.findOrOpenTicket({ ...base, userId: userB }))).toBe(
      "CF_TICKET_INVALID",
    );
    expect(await codeOf(service.findOrOpenTicket({ ...base, status: "archived" as never }))).toBe(
      "CF_TICKET_INVALID",
    );
    expect(
      await codeOf(service.findOrOpenTicket({ ...base, contactId: undefined, number: "-" })),
    ).toBe("CF_TICKET_INVALID");
    expect(await ticketsOf(contactId)).toHaveLength(0);
  });
});

describe("templateVars", () => {
  it("gives the names of the ticket's contact, queue, connection, attendant and company", async () => {
    const contactId = await newContact("João D'Ávila Santos");
    const { ticket } = await service.findOrOpenTicket({
      companyId: companyA,
      whatsappId: waA,
      contactId,
      queueId: queueA,
      userId: userA,
      status: "open",
    });
    const now = new Date("2027-03-01T20:30:00Z"); // 17:30 in São Paulo
    const vars = await service.templateVars(companyA, ticket.id, now);
    const text = renderTicketTemplate(
      "{{ms}} {{firstName}} | {{name}} | {{queue}} | {{connection}} | {{user}} | {{name_company}} | #{{ticket_id}}",
      vars,
    );
    expect(text).toBe(
      `Boa tarde João | João D'Ávila Santos | Vendas | Comercial | Ana Souza | Empresa A | #${ticket.id}`,
    );
    expect(await codeOf(service.templateVars(companyB, ticket.id, now))).toBe("CF_TICKET_INVALID");
  });
});

describe("recordMessage", () => {
  it("adds the message once per wid and makes it the ticket's last message", async () => {
    const contactId = await newContact();
    const { ticket } = await service.findOrOpenTicket({
      companyId: companyA,
      whatsappId: waA,
      contactId,
      queueId: queueA,
    });
    const input = {
      companyId: companyA,
      ticketId: ticket.id,
      wid: "3EB0AAAA0001",
      body: "\u200e Olá!",
      remoteJid: "5511@s.whatsapp.net",
    };
    const [a, b] = await Promise.all([service.recordMessage(input), service.recordMessage(input)]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(a.messageId).toBe(b.messageId);
    const messages = await dbRows.find("Messages", { ticketId: ticket.id });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      wid: "3EB0AAAA0001",
      body: "\u200e Olá!",
      fromMe: true,
      mediaType: "chat",
      queueId: queueA,
      contactId,
      companyId: companyA,
    });
    const row = await dbRows.findOne("Tickets", { id: ticket.id });
    expect(row?.lastMessage).toBe("\u200e Olá!");
    expect(row?.fromMe).toBe(true);
  });

  it("refuses a ticket of another company", async () => {
    const contactId = await newContact();
    const { ticket } = await service.findOrOpenTicket({
      companyId: companyA,
      whatsappId: waA,
      contactId,
    });
    expect(
      await codeOf(
        service.recordMessage({ companyId: companyB, ticketId: ticket.id, wid: "W1", body: "x" }),
      ),
    ).toBe("CF_TICKET_INVALID");
    expect(await dbRows.count("Messages", { ticketId: ticket.id })).toBe(0);
  });
});
