// `emit event`: sends `company-<id>-<topic>` with a payload to that company's socket.io
// namespace, from whichever process runs the flow (through Redis to the api processes).
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import { evaluateProperty } from "../shared/typed-property";
import { declaration } from "./emit-event.settings";

type EmitEventDef = SettingsOf<typeof declaration>;

const TOPIC = /^[A-Za-z][A-Za-z0-9_-]*$/;

export = (RED: NodeAPI) => {
  function EmitEventNode(this: Node, config: EmitEventDef) {
    const { services } = chatiaContext(RED);
    const topic = (config.topic ?? "").trim();
    if (!TOPIC.test(topic))
      this.error(`topic ${JSON.stringify(topic)} is not a word like "ticket"`);

    const property = (value: string, type: string, msg: NodeMessage) =>
      evaluateProperty(RED, this, msg, value, type);

    this.on("input", (msg: NodeMessage, send, done) => {
      const companyAt = config.company || "payload.companyId";
      const companyType = config.companyType || "msg";
      Promise.all([
        property(companyAt, companyType, msg),
        property(config.event || "payload", config.eventType || "msg", msg),
      ])
        .then(([company, payload]) => {
          const companyId = typeof company === "string" ? Number(company) : company;
          if (typeof companyId !== "number" || !Number.isSafeInteger(companyId) || companyId < 1)
            throw new ChatiaError(
              "CF_NODE_INPUT",
              `company (${companyType}.${companyAt}) must be a company id, got ${JSON.stringify(company)}`,
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
