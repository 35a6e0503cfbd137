// How the models relate, with the aliases ("contact", "tags", "plan", …) the original's includes
// use. Foreign keys are always named, so Sequelize never invents a column.
import type { DbModels } from "./init-models";

export function associateModels(m: DbModels): void {
  associateTenancy(m);
  associateTickets(m);
  associateSchedules(m);
  associateCampaigns(m);
}

function associateTenancy(m: DbModels): void {
  m.Company.belongsTo(m.Plan, { as: "plan", foreignKey: "planId" });
  m.Company.hasMany(m.Whatsapp, { as: "whatsapps", foreignKey: "companyId" });
  m.Company.hasMany(m.Queue, { as: "queues", foreignKey: "companyId" });
  m.Company.hasMany(m.User, { as: "users", foreignKey: "companyId" });
  m.Company.hasOne(m.CompaniesSetting, { as: "settings", foreignKey: "companyId" });
  m.Company.hasMany(m.Invoice, { as: "invoices", foreignKey: "companyId" });
  m.Invoice.belongsTo(m.Company, { as: "company", foreignKey: "companyId" });
  m.User.belongsTo(m.Company, { as: "company", foreignKey: "companyId" });
  m.Queue.belongsTo(m.Company, { as: "company", foreignKey: "companyId" });
  m.Whatsapp.belongsTo(m.Company, { as: "company", foreignKey: "companyId" });
  m.Whatsapp.belongsTo(m.Queue, { as: "sendQueue", foreignKey: "sendIdQueue" });
  m.Queue.belongsToMany(m.User, {
    through: m.UserQueue,
    as: "users",
    foreignKey: "queueId",
    otherKey: "userId",
  });
  m.User.belongsToMany(m.Queue, {
    through: m.UserQueue,
    as: "queues",
    foreignKey: "userId",
    otherKey: "queueId",
  });
  m.Contact.belongsTo(m.Company, { as: "company", foreignKey: "companyId" });
  m.Contact.belongsTo(m.Whatsapp, { as: "whatsapp", foreignKey: "whatsappId" });
}

function associateTickets(m: DbModels): void {
  m.Ticket.belongsTo(m.Contact, { as: "contact", foreignKey: "contactId" });
  m.Ticket.belongsTo(m.Queue, { as: "queue", foreignKey: "queueId" });
  m.Ticket.belongsTo(m.Whatsapp, { as: "whatsapp", foreignKey: "whatsappId" });
  m.Ticket.belongsTo(m.User, { as: "user", foreignKey: "userId" });
  m.Ticket.belongsTo(m.Company, { as: "company", foreignKey: "companyId" });
  m.Ticket.hasMany(m.Message, { as: "messages", foreignKey: "ticketId" });
  m.Ticket.belongsToMany(m.Tag, {
    through: m.TicketTag,
    as: "tags",
    foreignKey: "ticketId",
    otherKey: "tagId",
  });
  m.Tag.belongsToMany(m.Ticket, {
    through: m.TicketTag,
    as: "tickets",
    foreignKey: "tagId",
    otherKey: "ticketId",
  });
  m.Contact.hasMany(m.Ticket, { as: "tickets", foreignKey: "contactId" });
  m.TicketTag.belongsTo(m.Ticket, { as: "ticket", foreignKey: "ticketId" });
  m.TicketTag.belongsTo(m.Tag, { as: "tag", foreignKey: "tagId" });
  m.Tag.belongsTo(m.Tag, { as: "nextLane", foreignKey: "nextLaneId" });
  m.Message.belongsTo(m.Ticket, { as: "ticket", foreignKey: "ticketId" });
  m.Message.belongsTo(m.Contact, { as: "contact", foreignKey: "contactId" });
  m.Message.belongsTo(m.Queue, { as: "queue", foreignKey: "queueId" });
  m.LogTicket.belongsTo(m.Ticket, { as: "ticket", foreignKey: "ticketId" });
  m.LogTicket.belongsTo(m.User, { as: "user", foreignKey: "userId" });
  m.LogTicket.belongsTo(m.Queue, { as: "queue", foreignKey: "queueId" });
  m.SendLedger.belongsTo(m.Message, { as: "message", foreignKey: "messageId" });
}

function associateSchedules(m: DbModels): void {
  m.Schedule.belongsTo(m.Contact, { as: "contact", foreignKey: "contactId" });
  m.Schedule.belongsTo(m.User, { as: "user", foreignKey: "userId" });
  m.Schedule.belongsTo(m.User, { as: "ticketUser", foreignKey: "ticketUserId" });
  m.Schedule.belongsTo(m.Whatsapp, { as: "whatsapp", foreignKey: "whatsappId" });
  m.Schedule.belongsTo(m.Queue, { as: "queue", foreignKey: "queueId" });
  m.Schedule.belongsTo(m.Ticket, { as: "ticket", foreignKey: "ticketId" });
  m.Schedule.belongsTo(m.Company, { as: "company", foreignKey: "companyId" });
}

function associateCampaigns(m: DbModels): void {
  m.Campaign.belongsTo(m.ContactList, { as: "contactList", foreignKey: "contactListId" });
  m.Campaign.belongsTo(m.Whatsapp, { as: "whatsapp", foreignKey: "whatsappId" });
  m.Campaign.belongsTo(m.User, { as: "user", foreignKey: "userId" });
  m.Campaign.belongsTo(m.Queue, { as: "queue", foreignKey: "queueId" });
  m.Campaign.belongsTo(m.Company, { as: "company", foreignKey: "companyId" });
  m.Campaign.hasMany(m.CampaignShipping, { as: "shippings", foreignKey: "campaignId" });
  m.ContactList.hasMany(m.ContactListItem, { as: "contacts", foreignKey: "contactListId" });
  m.ContactListItem.belongsTo(m.ContactList, { as: "contactList", foreignKey: "contactListId" });
  m.CampaignShipping.belongsTo(m.ContactListItem, { as: "contact", foreignKey: "contactId" });
  m.CampaignShipping.belongsTo(m.Campaign, { as: "campaign", foreignKey: "campaignId" });
  m.CampaignSetting.belongsTo(m.Company, { as: "company", foreignKey: "companyId" });
  m.CompaniesSetting.belongsTo(m.Company, { as: "company", foreignKey: "companyId" });
}
