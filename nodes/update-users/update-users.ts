// `update users`: users online but not seen for N minutes go offline (UserMonitor/VerifyLoginStatus).
// A thin adapter over the runtime's UserService: it reads its property, calls it, reports the count.
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import { chatiaContext } from "../shared/chatia-context";
import { failMessage } from "../shared/fail";
import { evaluateNumber } from "../shared/number-property";

type UpdateUsersDef = NodeDef & {
  /** Minutes since a user's `updatedAt` after which an online user goes offline. @defaultValue "5" (num) */
  idle?: string;
  /** Kind of `idle`: num, msg, flow, global or env. @defaultValue "num" */
  idleType?: string;
};

const DEFAULT_IDLE_MINUTES = 5;

export = (RED: NodeAPI) => {
  function UpdateUsersNode(this: Node, config: UpdateUsersDef) {
    RED.nodes.createNode(this, config);
    const { services } = chatiaContext(RED);
    const idle = {
      label: "idle minutes",
      value: config.idle,
      type: config.idleType,
      fallback: DEFAULT_IDLE_MINUTES,
    };

    this.on("input", (msg: NodeMessage, send, done) => {
      this.status({ fill: "blue", shape: "ring", text: "updating…" });
      evaluateNumber(RED, this, msg, idle)
        .then((minutes) => services.users.markIdleUsersOffline(new Date(), minutes))
        .then(
          (result) => {
            this.status({ fill: "green", shape: "dot", text: `${result.updated} set offline` });
            msg.payload = result;
            send(msg);
            done();
          },
          (err: unknown) => failMessage(this, done, err),
        );
    });
  }
  RED.nodes.registerType("update users", UpdateUsersNode);
};
