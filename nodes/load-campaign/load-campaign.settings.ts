// The settings of `load campaign`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "load campaign",
  settings: {
    campaign: {
      kind: "typed",
      default: "payload.id",
      defaultType: "msg",
      types: ["msg", "flow", "global", "num", "env"],
    },
  },
});
