// `update users`: users online but not seen for N minutes go offline (UserMonitor/VerifyLoginStatus).
// A thin adapter over the runtime's UserService: it reads its property, calls it, reports the count.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { failMessage } from "../shared/fail";
import { registerNode } from "../shared/register-node";
import { readNumber, typedInput } from "../shared/typed-input";
import { declaration } from "./update-users.settings";

type UpdateUsersDef = SettingsOf<typeof declaration>;

const DEFAULT_IDLE_MINUTES = 5;

export = (RED: NodeAPI) => {
  function UpdateUsersNode(this: Node, config: UpdateUsersDef) {
    const { services } = chatiaContext(RED);
    const idle = { ...typedInput(config, "idle"), fallback: DEFAULT_IDLE_MINUTES };

    this.on("input", (msg: NodeMessage, send, done) => {
      this.status({ fill: "blue", shape: "ring", text: "updating…" });
      readNumber(RED, this, msg, idle)
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
