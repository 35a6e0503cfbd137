// The settings of `purge sessions`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "purge sessions",
  settings: {
    days: {
      kind: "typed",
      default: "30",
      defaultType: "num",
      types: ["num", "msg", "env"],
      required: true,
      min: 0,
    },
  },
});
