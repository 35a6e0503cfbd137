// `job in`: the entry of a handler flow. The runtime's dispatcher injects each Bull job of the
// configured queue/job here as { payload: job data, job: { id, queue, name, attempt, timestamp } }.
import { readFile } from "node:fs/promises";
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
    const plan = chatiaContext(RED).plan();
    payloadFieldsOf(plan).then(
      (fields) =>
        res.json(
          jobsForEditor(plan).map((j) => ({ ...j, payloadFields: fields.get(j.key) ?? [] })),
        ),
      (err: unknown) => res.status(500).json({ message: String(err) }),
    );
  });
};

/** A top-level field of a job's payload schema, as the editor offers it. */
interface PayloadField {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly description?: string;
}

/**
 * Each job's payload fields (its schema's top-level `properties`), by `<queue>/<job>`: the `job in`
 * form lists them, and our nodes' msg fields offer `payload.<field>`. A schema that cannot be read
 * gives none (the manifest checks already reported it).
 */
async function payloadFieldsOf(plan: Plan): Promise<Map<string, PayloadField[]>> {
  const fields = new Map<string, PayloadField[]>();
  for (const job of plan.queues.flatMap((q) => q.jobs)) {
    if (!job.payloadSchema) continue;
    const schema = await readFile(job.payloadSchema, "utf8").then(JSON.parse, () => undefined);
    const properties = (schema?.properties ?? {}) as Record<string, Record<string, unknown>>;
    const required = new Set<unknown>(Array.isArray(schema?.required) ? schema.required : []);
    fields.set(
      job.key,
      Object.entries(properties).map(([name, p]) => ({
        name,
        type: Array.isArray(p.type) ? p.type.join(" | ") : String(p.type ?? "any"),
        required: required.has(name),
        ...(typeof p.description === "string" && { description: p.description }),
      })),
    );
  }
  return fields;
}

function jobsForEditor(plan: Plan) {
  return plan.queues.flatMap((queue) =>
    queue.jobs.map((job) => ({
      key: job.key,
      queue: queue.name,
      job: job.name,
      flow: job.flow,
      enabled: job.enabled,
      // Declared before its flow exists: the flow this form is building may be it.
      flowMissing: job.notHandled === true,
      // Its flow exists but has these problems: the runtime holds the job until a deploy mends it.
      flowProblems: job.flowProblems ?? [],
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
