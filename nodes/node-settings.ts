// Every chatia node type's settings declaration, by type: what the flow checks and the tests read.

import { declaration as createInvoices } from "./create-invoices/create-invoices.settings";
import { declaration as dispatchShipping } from "./dispatch-shipping/dispatch-shipping.settings";
import { declaration as emitEvent } from "./emit-event/emit-event.settings";
import { declaration as enqueueJob } from "./enqueue-job/enqueue-job.settings";
import { declaration as expandCampaign } from "./expand-campaign/expand-campaign.settings";
import { declaration as findAttendants } from "./find-attendants/find-attendants.settings";
import { declaration as findCampaigns } from "./find-campaigns/find-campaigns.settings";
import { declaration as findCompanies } from "./find-companies/find-companies.settings";
import { declaration as findOrOpenTicket } from "./find-or-open-ticket/find-or-open-ticket.settings";
import { declaration as findSchedules } from "./find-schedules/find-schedules.settings";
import { declaration as findTickets } from "./find-tickets/find-tickets.settings";
import { declaration as jobIn } from "./job-in/job-in.settings";
import { declaration as jobOut } from "./job-out/job-out.settings";
import { declaration as loadCampaign } from "./load-campaign/load-campaign.settings";
import { declaration as logTicket } from "./log-ticket/log-ticket.settings";
import { declaration as moveLane } from "./move-lane/move-lane.settings";
import { declaration as pickAttendant } from "./pick-attendant/pick-attendant.settings";
import { declaration as prepareShipping } from "./prepare-shipping/prepare-shipping.settings";
import { declaration as purgeSessions } from "./purge-sessions/purge-sessions.settings";
import { declaration as recordMessage } from "./record-message/record-message.settings";
import { declaration as renderMessage } from "./render-message/render-message.settings";
import { declaration as scheduleMessages } from "./schedule-messages/schedule-messages.settings";
import { declaration as sendScheduledMessage } from "./send-scheduled-message/send-scheduled-message.settings";
import { declaration as sendTicketMessage } from "./send-ticket-message/send-ticket-message.settings";
import { declaration as sendWhatsapp } from "./send-whatsapp/send-whatsapp.settings";
import type { NodeDeclaration } from "./shared/define-node";
import { declaration as updateCampaign } from "./update-campaign/update-campaign.settings";
import { declaration as updateSchedule } from "./update-schedule/update-schedule.settings";
import { declaration as updateTicket } from "./update-ticket/update-ticket.settings";
import { declaration as updateUsers } from "./update-users/update-users.settings";

export const NODE_DECLARATIONS: ReadonlyMap<string, NodeDeclaration> = new Map(
  [
    createInvoices,
    dispatchShipping,
    emitEvent,
    enqueueJob,
    expandCampaign,
    findAttendants,
    findCampaigns,
    findCompanies,
    findOrOpenTicket,
    findSchedules,
    findTickets,
    jobIn,
    jobOut,
    loadCampaign,
    logTicket,
    moveLane,
    pickAttendant,
    prepareShipping,
    purgeSessions,
    recordMessage,
    renderMessage,
    scheduleMessages,
    sendScheduledMessage,
    sendTicketMessage,
    sendWhatsapp,
    updateCampaign,
    updateSchedule,
    updateTicket,
    updateUsers,
  ].map((d) => [d.type, d]),
);
