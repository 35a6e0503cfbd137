// The domain services the nodes use, built once per process.
import {
  type Sequelize,
  SequelizeBoardStore,
  SequelizeInvoiceStore,
  SequelizeMessageStore,
  SequelizeScheduleStore,
  SequelizeTicketOpsStore,
  SequelizeUserStore,
} from "../adapters/db";
import { SequelizeCampaignStore } from "../adapters/db/repositories/campaign-store";
import { SequelizeTicketStore } from "../adapters/db/repositories/ticket-store";
import { SequelizeWhatsappSessionStore } from "../adapters/db/repositories/whatsapp-session-store";
import { DailyQuota, KeyedLease, KeyedPacer } from "../adapters/redis";
import { RedisCompanyEvents } from "../adapters/socket";
import { connectionPace, type ServiceJobRole, serviceJob } from "../compile";
import { ChatiaError } from "../errors";
import type { ChatiaServices } from "../flow-bridge/node-context";
import { paceRule, type QueueRuntime } from "../queues/queue-runtime";
import { BillingService } from "../services/billing.service";
import { type CampaignQueue, CampaignService } from "../services/campaign.service";
import { MessageService } from "../services/message.service";
import { type ScheduleQueue, ScheduleService } from "../services/schedule.service";
import { SessionService } from "../services/session.service";
import { TicketService } from "../services/ticket.service";
import { TicketMessageService } from "../services/ticket-messages.service";
import { TicketOpsService } from "../services/ticket-ops.service";
import { UserService } from "../services/user.service";
import type { Ownership } from "../tenancy/ownership";
import { createWhatsAppGateway, type WhatsAppDriverConfig } from "./whatsapp-gateway";

export interface ServiceDependencies {
  readonly sequelize: Sequelize;
  readonly queues: QueueRuntime;
  /** Who owns a job (runtime/tenancy); `send whatsapp` refuses a send of no known company. */
  readonly ownership: Ownership;
  /** Root of the companies' media files (`<mediaDir>/company<id>/…`). */
  readonly mediaDir: string;
  /** The WhatsApp driver. @defaultValue the simulated one */
  readonly whatsapp?: WhatsAppDriverConfig;
  /** How long one run of a connection's campaign sender sends before re-arming. @defaultValue 5000 */
  readonly campaignSenderBudgetMs?: number;
}

/**
 * Slots are exact on the Redis server's clock; a sender learns its slot one round trip later, so
 * two sends could be seen closer than the window by that round trip. Each send interval gets this
 * margin so that the gaps WhatsApp sees never fall under the window.
 */
const SEND_MARGIN_MS = 40;

export async function buildServices(
  deps: ServiceDependencies,
): Promise<ChatiaServices & { close(): Promise<void> }> {
  const { queues } = deps;
  const prefix = `${queues.prefix}:chatia:`;
  const events = new RedisCompanyEvents(queues.redis, queues.prefix);
  const gateway = await createWhatsAppGateway(
    { sequelize: deps.sequelize, queues, events },
    deps.whatsapp,
  );
  const sendPacer = new KeyedPacer(queues.redis, { prefix, name: "whatsapp-send" });
  // The plan is read at each send, so that a reloaded manifest's pace applies at once.
  const pace = async (connectionId: number) => {
    const limit = connectionPace(queues.currentPlan);
    if (!limit) return;
    const rule = paceRule(limit);
    await sendPacer.acquire(connectionId, {
      ...rule,
      durationMs: rule.durationMs + SEND_MARGIN_MS * rule.max,
    });
  };
  const sendQuota = new DailyQuota(queues.redis, { prefix, name: "whatsapp-send" });
  const quota = async (connectionId: number) => {
    const cap = connectionPace(queues.currentPlan)?.dailyCap;
    if (!cap) return undefined;
    const use = await sendQuota.take(connectionId, cap.max, cap.tz);
    if (use.taken) return () => sendQuota.giveBack(connectionId, use.day);
    throw new ChatiaError(
      "CF_WA_DAILY_CAP",
      `WhatsApp connection ${connectionId} has sent its ${cap.max} messages of ${use.day} (${cap.tz}); this one was not sent (the count starts again at midnight, ${cap.tz})`,
      { details: { whatsappId: connectionId, dailyCap: cap.max, day: use.day, tz: cap.tz } },
    );
  };
  const messages = new MessageService({
    store: new SequelizeMessageStore(deps.sequelize),
    gateway,
    mediaDir: deps.mediaDir,
    pace,
    quota,
  });
  const ticketOpsStore = new SequelizeTicketOpsStore(deps.sequelize);
  const tickets = new TicketService(new SequelizeTicketStore(deps.sequelize));
  return {
    messages,
    tickets,
    ticketOps: new TicketOpsService({
      tickets: ticketOpsStore,
      board: new SequelizeBoardStore(deps.sequelize),
      events,
    }),
    ticketMessages: new TicketMessageService({ store: ticketOpsStore, messages, tickets }),
    sessions: new SessionService(new SequelizeWhatsappSessionStore(deps.sequelize)),
    users: new UserService(new SequelizeUserStore(deps.sequelize)),
    billing: new BillingService(new SequelizeInvoiceStore(deps.sequelize)),
    events,
    jobs: queues,
    ownership: deps.ownership,
    campaigns: new CampaignService({
      store: new SequelizeCampaignStore(deps.sequelize),
      queue: campaignQueue(queues),
      messages,
      tickets,
      mediaDir: deps.mediaDir,
      // One campaign sender per connection at a time, across every worker process.
      leases: new KeyedLease(queues.redis, { prefix, name: "campaign-sender" }),
      ...(deps.campaignSenderBudgetMs !== undefined && {
        senderBudgetMs: deps.campaignSenderBudgetMs,
      }),
    }),
    schedules: new ScheduleService({
      store: new SequelizeScheduleStore(deps.sequelize),
      queue: scheduleQueue(queues),
      messages,
      tickets,
    }),
    close: () => gateway.close(),
  };
}

/**
 * The campaign jobs, for the CampaignService: each in the queue where the plan has it (by role,
 * runtime/compile/service-jobs.ts), read at each call so that a reloaded manifest applies.
 */
function campaignQueue(queues: QueueRuntime): CampaignQueue {
  const where = (role: ServiceJobRole) => serviceJob(queues.currentPlan, role);
  return {
    place(job) {
      const { queue, name } = where(job.job);
      return { queue, job: name, data: job.data, jobId: job.jobId, delayMs: job.delayMs };
    },
    async addBulk(name, jobs) {
      if (jobs.length === 0) return;
      const bulk = jobs.map((j) => ({
        data: j.data,
        options: { jobId: j.jobId, delayMs: j.delayMs },
      }));
      const job = where(name);
      await queues.enqueueBulk(job.queue, job.name, bulk);
    },
    async hasJob(jobId) {
      return (await queues.queue(where("ProcessCampaign").queue).findJob(jobId)) !== undefined;
    },
    async removeCompleted(jobId) {
      const job = await queues.queue(where("ProcessCampaign").queue).findJob(jobId);
      if (job === undefined || !(await job.isCompleted())) return false;
      await job.remove();
      return true;
    },
    async reviveDispatch(jobId) {
      const job = await queues.queue(where("DispatchCampaign").queue).findJob(jobId);
      if (job === undefined) return "missing";
      const state = await job.getState();
      if (state === "failed") {
        // Refused when another process retried it first: it is pending then, all the same.
        return job.retry().then(
          () => "retried" as const,
          () => "pending" as const,
        );
      }
      if (state !== "completed") return "pending";
      await job.remove();
      return "missing";
    },
  };
}

/** The scheduled sends, for the ScheduleService: in the queue where the plan has them (by role). */
function scheduleQueue(queues: QueueRuntime): ScheduleQueue {
  const where = () => serviceJob(queues.currentPlan, "SendScheduledMessage");
  return {
    async enqueueSends(jobs) {
      const bulk = jobs.map((j) => ({
        data: j.data,
        options: { jobId: j.jobId, delayMs: j.delayMs },
      }));
      const { queue, name } = where();
      await queues.enqueueBulk(queue, name, bulk);
    },
    async jobState(jobId) {
      const job = await queues.queue(where().queue).findJob(jobId);
      if (job === undefined) return { state: "missing" };
      if ((await job.getState()) !== "failed") return { state: "present" };
      return { state: "failed", reason: job.failedReason ?? "the send job failed" };
    },
  };
}
