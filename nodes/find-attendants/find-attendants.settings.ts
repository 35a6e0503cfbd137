// The settings of `find attendants`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "find attendants",
  settings: {
    company: {
      kind: "typed",
      default: "payload.companyId",
      defaultType: "msg",
      types: ["msg", "num", "flow", "global", "env"],
      required: true,
    },
    queue: {
      kind: "typed",
      default: "payload.queueId",
      defaultType: "msg",
      types: ["msg", "num", "flow", "global", "env"],
    },
    online: {
      kind: "choice",
      default: "online",
      values: ["online", "offline", "any"],
    },
    profile: {
      kind: "choice",
      default: "user",
      values: ["user", "admin", "any"],
    },
  },
});
