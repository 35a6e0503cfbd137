// `emit event`: sends `company-<id>-<topic>` with a payload to that company's socket.io
// namespace, from whichever process runs the flow (through Redis to the api processes).
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import { describeInput, readInput, typedInput } from "../shared/typed-input";
import { declaration } from "./emit-event.settings";

type EmitEventDef = SettingsOf<typeof declaration>;

const TOPIC = /^[A-Za-z][A-Za-z0-9_-]*$/;

export = (RED: NodeAPI) => {
  function EmitEventNode(this: Node, config: EmitEventDef) {
    const { services } = chatiaContext(RED);
    const topic = (config.topic ?? "").trim();
    if (!TOPIC.test(topic))
      this.error(`topic ${JSON.stringify(topic)} is not a word like "ticket"`);

    // Left empty, company and event read their defaults, msg.payload.companyId and msg.payload.
    const orDefault = (setting: string, value: string) => {
      const input = typedInput(config, setting);
      return input.value ? input : { ...input, value, type: "msg" };
    };
    const companyInput = orDefault("company", "payload.companyId");
    const eventInput = orDefault("event", "payload");

    this.on("input", (msg: NodeMessage, send, done) => {
      Promise.all([readInput(RED, this, msg, companyInput), readInput(RED, this, msg, eventInput)])
        .then(([company, payload]) => {
          const companyId = typeof company === "string" ? Number(company) : company;
          if (typeof companyId !== "number" || !Number.isSafeInteger(companyId) || companyId < 1)
            throw new ChatiaError(
              "CF_NODE_INPUT",
              `${describeInput(companyInput)} must be a company id, got ${company === undefined ? "nothing" : JSON.stringify(company)}`,
            );
          if (!TOPIC.test(topic))
            throw new ChatiaError("CF_NODE_INPUT", `topic ${JSON.stringify(topic)} is not a word`);
          services.events.emit(companyId, topic, payload);
          this.status({ fill: "green", shape: "dot", text: `company-${companyId}-${topic}` });
          send(msg);
          done();
        })
        .catch((err: unknown) => failMessage(this, done, err));
    });
  }
  registerNode(RED, declaration, EmitEventNode);
};
