// `enqueue job`: adds a job of the manifest (any queue and job that is enabled), its data checked
// against the job's payload schema, with an optional delay, priority and job id (a job whose id
// exists is not added again: the id is the idempotency key). In "list" mode it adds every job of
// an array (e.g. the output of find campaigns), in one round trip per queue and job.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import type { EnqueueOptions } from "../../runtime/services/ports/job-queue";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import { messageProperty, readInput, readNumber, typedInput } from "../shared/typed-input";
import { declaration } from "./enqueue-job.settings";

type EnqueueJobDef = SettingsOf<typeof declaration>;

interface ListItem {
  readonly queue?: string;
  readonly job?: string;
  readonly data: unknown;
  readonly jobId?: string;
  readonly delayMs?: number;
  readonly priority?: number;
}

export = (RED: NodeAPI) => {
  function EnqueueJobNode(this: Node, config: EnqueueJobDef) {
    const { services } = chatiaContext(RED);
    const { jobs } = services;
    const single = async (msg: NodeMessage & Record<string, unknown>) => {
      const queue = required(config.queue, "queue");
      const name = required(config.job, "job");
      // Left empty, data is msg.payload; an empty job id, delay or priority is none.
      const dataInput = typedInput(config, "data");
      const data = await readInput(
        RED,
        this,
        msg,
        dataInput.value ? dataInput : { ...dataInput, value: "payload", type: "msg" },
      );
      const jobId = config.jobId
        ? await readInput(RED, this, msg, typedInput(config, "jobId"))
        : undefined;
      const number = (setting: "delay" | "priority") =>
        config[setting]
          ? readNumber(RED, this, msg, { ...typedInput(config, setting), fallback: 0, whole: true })
          : undefined;
      const delayMs = await number("delay");
      const priority = await number("priority");
      const options: EnqueueOptions = {
        ...(jobId !== undefined && jobId !== "" && { jobId: String(jobId) }),
        ...(delayMs !== undefined && { delayMs }),
        ...(priority !== undefined && { priority }),
      };
      const job = await jobs.enqueue(queue, name, data, options);
      msg.enqueuedJob = { queue, name, id: String(job.id) };
      return `${name} ${String(job.id)}`;
    };

    const list = async (msg: NodeMessage & Record<string, unknown>) => {
      const property = config.property || "payload";
      const items = listItems(messageProperty(RED, msg, property), property);
      const groups = new Map<string, { queue: string; name: string; items: ListItem[] }>();
      for (const item of items) {
        const queue = required(item.queue ?? config.queue, "queue");
        const name = required(item.job ?? config.job, "job");
        const key = `${queue}\u0000${name}`;
        const group = groups.get(key) ?? { queue, name, items: [] };
        group.items.push(item);
        groups.set(key, group);
      }
      for (const { queue, name, items: group } of groups.values()) {
        await jobs.enqueueBulk(
          queue,
          name,
          group.map((i) => ({ data: i.data, options: options(i) })),
        );
      }
      msg.enqueued = items.length;
      return `${items.length} jobs`;
    };

    this.on("input", (msg: NodeMessage & Record<string, unknown>, send, done) => {
      (config.mode === "list" ? list(msg) : single(msg)).then(
        (text) => {
          this.status({ fill: "green", shape: "dot", text });
          send(msg);
          done();
        },
        (err: unknown) => failMessage(this, done, err),
      );
    });
  }
  registerNode(RED, declaration, EnqueueJobNode);
};

function required(value: string | undefined, what: string): string {
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  throw new ChatiaError("CF_NODE_INPUT", `enqueue job needs a ${what} name`);
}

function options(item: ListItem): EnqueueOptions {
  return {
    ...(item.jobId !== undefined && { jobId: item.jobId }),
    ...(item.delayMs !== undefined && { delayMs: Math.max(0, item.delayMs) }),
    ...(item.priority !== undefined && { priority: item.priority }),
  };
}

function listItems(value: unknown, property: string): ListItem[] {
  const valid = (i: unknown): i is ListItem => {
    const d = i as Partial<ListItem> | null;
    return (
      typeof d === "object" &&
      d !== null &&
      "data" in d &&
      (d.jobId === undefined || typeof d.jobId === "string") &&
      (d.delayMs === undefined || typeof d.delayMs === "number")
    );
  };
  if (Array.isArray(value) && value.every(valid)) return value;
  throw new ChatiaError(
    "CF_NODE_INPUT",
    `msg.${property} must be an array of { queue?, job?, data, jobId?, delayMs?, priority? }`,
  );
}
