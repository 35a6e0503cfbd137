// The settings of `update users`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "update users",
  settings: {
    idle: {
      kind: "typed",
      default: "5",
      defaultType: "num",
      types: ["num", "msg", "env"],
      required: true,
      min: 0,
    },
  },
});
