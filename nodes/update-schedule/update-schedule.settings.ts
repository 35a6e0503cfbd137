// The settings of `update schedule`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "update schedule",
  settings: {
    action: {
      kind: "choice",
      default: "error",
      values: ["error", "rearm"],
    },
    schedule: {
      kind: "typed",
      default: "payload.scheduleId",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "num"],
    },
    sendAt: {
      kind: "typed",
      default: "payload.sendAt",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "str", "date"],
    },
    reason: {
      kind: "typed",
      default: "error.message",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "str"],
    },
  },
});
