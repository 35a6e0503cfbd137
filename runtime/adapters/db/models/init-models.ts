// initModels: binds every model to one Sequelize instance and wires the associations.
// Sequelize models are process-wide classes: they serve the instance they were last bound to.
import type { Sequelize } from "sequelize";
import { associateModels } from "./associations";
import { initCampaign } from "./campaign.model";
import { initCampaignSetting } from "./campaign-setting.model";
import { initCampaignShipping } from "./campaign-shipping.model";
import { initCompaniesSetting } from "./companies-setting.model";
import { initCompany } from "./company.model";
import { initContact } from "./contact.model";
import { initContactList } from "./contact-list.model";
import { initContactListItem } from "./contact-list-item.model";
import { initInvoice } from "./invoice.model";
import { initLogTicket } from "./log-ticket.model";
import { initMessage } from "./message.model";
import { initPlan } from "./plan.model";
import { initQueue } from "./queue.model";
import { initSchedule } from "./schedule.model";
import { initSendLedger } from "./send-ledger.model";
import { initTag } from "./tag.model";
import { initTicket } from "./ticket.model";
import { initTicketTag } from "./ticket-tag.model";
import { initUser } from "./user.model";
import { initUserQueue } from "./user-queue.model";
import { initWhatsapp } from "./whatsapp.model";

function bindAll(sequelize: Sequelize) {
  return {
    Plan: initPlan(sequelize),
    Company: initCompany(sequelize),
    User: initUser(sequelize),
    Queue: initQueue(sequelize),
    UserQueue: initUserQueue(sequelize),
    Whatsapp: initWhatsapp(sequelize),
    Contact: initContact(sequelize),
    Ticket: initTicket(sequelize),
    Message: initMessage(sequelize),
    LogTicket: initLogTicket(sequelize),
    Tag: initTag(sequelize),
    TicketTag: initTicketTag(sequelize),
    Schedule: initSchedule(sequelize),
    ContactList: initContactList(sequelize),
    ContactListItem: initContactListItem(sequelize),
    Campaign: initCampaign(sequelize),
    CampaignShipping: initCampaignShipping(sequelize),
    CampaignSetting: initCampaignSetting(sequelize),
    CompaniesSetting: initCompaniesSetting(sequelize),
    Invoice: initInvoice(sequelize),
    SendLedger: initSendLedger(sequelize),
  };
}

export type DbModels = ReturnType<typeof bindAll>;

const bound = new WeakMap<Sequelize, DbModels>();

/** Idempotent per instance: a second call with the same Sequelize returns the same models. */
export function initModels(sequelize: Sequelize): DbModels {
  const existing = bound.get(sequelize);
  if (existing !== undefined && existing.Company.sequelize === sequelize) return existing;
  const models = bindAll(sequelize);
  associateModels(models);
  bound.set(sequelize, models);
  return models;
}
