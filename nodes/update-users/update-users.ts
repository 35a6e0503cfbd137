// `update users`: users online but not seen for N minutes go offline (UserMonitor/VerifyLoginStatus).
// A thin adapter over the runtime's UserService: it reads its property, calls it, reports the count.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { evaluateNumber } from "../shared/number-property";
import { registerNode } from "../shared/register-node";
import { declaration } from "./update-users.settings";

type UpdateUsersDef = SettingsOf<typeof declaration>;

const DEFAULT_IDLE_MINUTES = 5;

export = (RED: NodeAPI) => {
  function UpdateUsersNode(this: Node, config: UpdateUsersDef) {
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
  registerNode(RED, declaration, UpdateUsersNode);
};
