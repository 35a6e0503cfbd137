// The settings of `create invoices`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "create invoices",
  settings: {
    within: {
      kind: "typed",
      default: "20",
      defaultType: "num",
      types: ["num", "msg", "env"],
      required: true,
      min: 0,
    },
  },
});
