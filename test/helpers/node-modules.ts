// Every chatia node type's module, by type (the 29 of nodes/node-settings.ts).
import type { NodeAPI } from "node-red";
import registerCreateInvoices from "../../nodes/create-invoices/create-invoices";
import registerDispatchShipping from "../../nodes/dispatch-shipping/dispatch-shipping";
import registerEmitEvent from "../../nodes/emit-event/emit-event";
import registerEnqueueJob from "../../nodes/enqueue-job/enqueue-job";
import registerExpandCampaign from "../../nodes/expand-campaign/expand-campaign";
import registerFindAttendants from "../../nodes/find-attendants/find-attendants";
import registerFindCampaigns from "../../nodes/find-campaigns/find-campaigns";
import registerFindCompanies from "../../nodes/find-companies/find-companies";
import registerFindOrOpenTicket from "../../nodes/find-or-open-ticket/find-or-open-ticket";
import registerFindSchedules from "../../nodes/find-schedules/find-schedules";
import registerFindTickets from "../../nodes/find-tickets/find-tickets";
import registerJobIn from "../../nodes/job-in/job-in";
import registerJobOut from "../../nodes/job-out/job-out";
import registerLoadCampaign from "../../nodes/load-campaign/load-campaign";
import registerLogTicket from "../../nodes/log-ticket/log-ticket";
import registerMoveLane from "../../nodes/move-lane/move-lane";
import registerPickAttendant from "../../nodes/pick-attendant/pick-attendant";
import registerPrepareShipping from "../../nodes/prepare-shipping/prepare-shipping";
import registerPurgeSessions from "../../nodes/purge-sessions/purge-sessions";
import registerRecordMessage from "../../nodes/record-message/record-message";
import registerRenderMessage from "../../nodes/render-message/render-message";
import registerScheduleMessages from "../../nodes/schedule-messages/schedule-messages";
import registerSendScheduledMessage from "../../nodes/send-scheduled-message/send-scheduled-message";
import registerSendTicketMessage from "../../nodes/send-ticket-message/send-ticket-message";
import registerSendWhatsapp from "../../nodes/send-whatsapp/send-whatsapp";
import registerUpdateCampaign from "../../nodes/update-campaign/update-campaign";
import registerUpdateSchedule from "../../nodes/update-schedule/update-schedule";
import registerUpdateTicket from "../../nodes/update-ticket/update-ticket";
import registerUpdateUsers from "../../nodes/update-users/update-users";

export const NODE_MODULES: ReadonlyMap<string, (RED: NodeAPI) => void> = new Map<
  string,
  (RED: NodeAPI) => void
>([
  ["create invoices", registerCreateInvoices],
  ["dispatch shipping", registerDispatchShipping],
  ["emit event", registerEmitEvent],
  ["enqueue job", registerEnqueueJob],
  ["expand campaign", registerExpandCampaign],
  ["find attendants", registerFindAttendants],
  ["find campaigns", registerFindCampaigns],
  ["find companies", registerFindCompanies],
  ["find or open ticket", registerFindOrOpenTicket],
  ["find schedules", registerFindSchedules],
  ["find tickets", registerFindTickets],
  ["job in", registerJobIn],
  ["job out", registerJobOut],
  ["load campaign", registerLoadCampaign],
  ["log ticket", registerLogTicket],
  ["move lane", registerMoveLane],
  ["pick attendant", registerPickAttendant],
  ["prepare shipping", registerPrepareShipping],
  ["purge sessions", registerPurgeSessions],
  ["record message", registerRecordMessage],
  ["render message", registerRenderMessage],
  ["schedule messages", registerScheduleMessages],
  ["send scheduled message", registerSendScheduledMessage],
  ["send ticket message", registerSendTicketMessage],
  ["send whatsapp", registerSendWhatsapp],
  ["update campaign", registerUpdateCampaign],
  ["update schedule", registerUpdateSchedule],
  ["update ticket", registerUpdateTicket],
  ["update users", registerUpdateUsers],
]);
