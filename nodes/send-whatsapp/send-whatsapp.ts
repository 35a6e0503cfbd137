// `send whatsapp`: sends one WhatsApp message through the runtime's MessageService, at most once
// per idempotency key (by default the job's `<queue>:<id>`, so a retried job never sends twice).
// A thin adapter: it evaluates its typed-input properties, calls the service, reports the result.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import type { JobInfo } from "../../runtime/flow-bridge/dispatcher";
import type { SendInput, SendResult } from "../../runtime/services/message.service";
import type { Ownership } from "../../runtime/tenancy/ownership";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import { describeInput, readInputs, typedInput } from "../shared/typed-input";
import { declaration } from "./send-whatsapp.settings";

/** The typed inputs: `<prop>` holds the value, `<prop>Type` its kind (msg, flow, global, env, str, num, bool). */
const PROPERTIES = ["connection", "to", "text", "media", "group", "company", "key"] as const;
type Property = (typeof PROPERTIES)[number];

type SendWhatsappDef = SettingsOf<typeof declaration>;

type Values = Record<Property, unknown>;

export = (RED: NodeAPI) => {
  function SendWhatsappNode(this: Node, config: SendWhatsappDef) {
    const { services } = chatiaContext(RED);

    this.on("input", (msg: NodeMessage & { job?: unknown }, send, done) => {
      this.status({ fill: "blue", shape: "ring", text: "sending…" });
      readInputs(RED, this, msg, config, PROPERTIES)
        .then((values) => withOwner(services.ownership, sendInput(config, values, msg), msg))
        .then((input) => services.messages.send(input))
        .then(
          (result) => {
            this.status(sentStatus(result));
            msg.payload = result;
            send(msg);
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  registerNode(RED, declaration, SendWhatsappNode);
};

/**
 * The send's company, as runtime/tenancy decides it for the job being handled and the node's
 * `company` setting (see Ownership.sendCompany): a send whose company is not known, or whose
 * setting is not the job's owner, is refused (CF_TENANCY_OWNER_UNKNOWN): a message never goes out
 * for nobody in particular, nor for a company the job does not belong to.
 */
async function withOwner(
  ownership: Pick<Ownership, "sendCompany">,
  input: SendInput,
  msg: NodeMessage & { job?: unknown },
): Promise<SendInput> {
  const job = msg.job as Partial<JobInfo> | undefined;
  const ref =
    typeof job?.queue === "string" && typeof job.name === "string"
      ? {
          queue: job.queue,
          name: job.name,
          ...(typeof job.id === "string" && { id: job.id }),
          data: msg.payload,
        }
      : undefined;
  const verdict = await ownership.sendCompany(ref, input.companyId);
  if (verdict.ok) return { ...input, companyId: verdict.companyId };
  throw new ChatiaError(
    "CF_TENANCY_OWNER_UNKNOWN",
    `send whatsapp: the company of this send is not known: ${verdict.reason}`,
  );
}

function sentStatus(result: SendResult) {
  if (result.alreadySent) return { fill: "yellow", shape: "ring", text: "already sent" } as const;
  const time = new Date(result.sentAt).toTimeString().slice(0, 8);
  return { fill: "green", shape: "dot", text: `sent ${time}` } as const;
}

/** The service's input from the evaluated properties; wrong types are CF_NODE_INPUT. */
function sendInput(
  config: SendWhatsappDef,
  v: Values,
  msg: NodeMessage & { job?: unknown },
): SendInput {
  const where = (p: Property) => describeInput(typedInput(config, p));
  const input: SendInput = {
    whatsappId: wholeNumber(v.connection, where("connection")),
    number: text(v.to, where("to"), { required: true }),
    body: text(v.text, where("text"), { required: false }),
    mediaPath: text(v.media, where("media"), { required: false }) || null,
    isGroup: flag(v.group, where("group")),
    idempotencyKey: idempotencyKey(v.key, msg.job, where("key")),
    record: config.record !== false,
  };
  if (v.company === undefined || v.company === null || v.company === "") return input;
  return { ...input, companyId: wholeNumber(v.company, where("company")) };
}

function idempotencyKey(value: unknown, job: unknown, where: string): string {
  if (value !== undefined && value !== null && value !== "") {
    return text(value, where, { required: true });
  }
  const info = job as Partial<JobInfo> | undefined;
  if (typeof info?.queue === "string" && typeof info.id === "string") {
    return `${info.queue}:${info.id}`;
  }
  throw inputError(
    "key is empty and msg.job is missing: set a key, or keep msg.job from the job in node",
  );
}

function wholeNumber(value: unknown, what: string): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n === "number" && Number.isSafeInteger(n) && n >= 1) return n;
  throw inputError(`${what} must be a whole number >= 1, got ${show(value)}`);
}

function text(value: unknown, what: string, opts: { required: boolean }): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string" && (value !== "" || !opts.required)) return value;
  if ((value === undefined || value === null) && !opts.required) return "";
  throw inputError(
    `${what} must be ${opts.required ? "a non-empty " : "a "}string, got ${show(value)}`,
  );
}

function flag(value: unknown, what: string): boolean {
  if (value === undefined || value === null || value === "") return false;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  throw inputError(`${what} must be true or false, got ${show(value)}`);
}

function show(value: unknown): string {
  return value === undefined ? "undefined" : JSON.stringify(value);
}

function inputError(message: string): ChatiaError {
  return new ChatiaError("CF_NODE_INPUT", message);
}
