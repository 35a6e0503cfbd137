// `job in`: the entry of a handler flow. The runtime's dispatcher injects each Bull job of the
// configured queue/job here as { payload: job data, job: { id, queue, name, attempt, timestamp } }.
import type { Node, NodeAPI } from "node-red";
import type { Plan, RateLimitPlan } from "../../runtime/compile";
import type { FlowEntry, JobMessage } from "../../runtime/flow-bridge/dispatcher";
import { describeCron } from "../../runtime/manifest/cron";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { registerNode } from "../shared/register-node";
import { declaration } from "./job-in.settings";

type JobInDef = SettingsOf<typeof declaration>;

export = (RED: NodeAPI) => {
  function JobInNode(this: Node, config: JobInDef) {
    const { dispatcher } = chatiaContext(RED);
    if (!config.queue || !config.job) {
      this.status({ fill: "red", shape: "ring", text: "no job chosen" });
      return;
    }
    const entry: FlowEntry = {
      nodeId: this.id,
      flowId: this.z,
      inject: (msg: JobMessage) => this.send(msg),
    };
    dispatcher.register(config.queue, config.job, entry);
    this.status({ fill: "green", shape: "dot", text: `${config.queue}/${config.job}` });
    this.on("close", (_removed: boolean, done: () => void) => {
      dispatcher.unregister(config.queue, config.job, entry);
      done();
    });
  }
  registerNode(RED, declaration, JobInNode);

  // The editor's lists of queues and jobs, with what the manifest says of each (jobs declared
  // before their flow exists included, flagged `flowMissing`).
  RED.httpAdmin.get("/chatia/jobs", RED.auth.needsPermission("flows.read"), (_req, res) => {
    res.json(jobsForEditor(chatiaContext(RED).plan()));
  });
};

function jobsForEditor(plan: Plan) {
  return plan.queues.flatMap((queue) =>
    queue.jobs.map((job) => ({
      queue: queue.name,
      job: job.name,
      flow: job.flow,
      enabled: job.enabled,
      // Declared before its flow exists: the flow this form is building may be it.
      flowMissing: job.notHandled === true,
      description: job.description ?? "",
      trigger: job.repeat
        ? `cron "${job.repeat.cron}" (${job.repeat.tz}): ${describeCron(job.repeat.cron)}`
        : "enqueued",
      limiter: queue.rateLimit ? describeRateLimit(queue.rateLimit) : "none",
      concurrency: queue.concurrency,
      attempts: job.options.attempts,
      backoff: job.options.backoff ?? null,
      timeoutMs: job.timeoutMs,
    })),
  );
}

function describeRateLimit(limit: RateLimitPlan): string {
  const per = limit.per ? ` per ${limit.per}` : "";
  const cap = limit.dailyCap ? `, at most ${limit.dailyCap.max} a day (${limit.dailyCap.tz})` : "";
  return `${limit.max} per ${limit.durationMs} ms${per}${cap}`;
}
