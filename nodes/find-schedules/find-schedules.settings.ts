// The settings of `find schedules`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "find schedules",
  settings: {
    lookAhead: {
      kind: "typed",
      default: "60",
      defaultType: "num",
      types: ["num", "msg", "env"],
      required: true,
      min: 0,
    },
    staleAfter: {
      kind: "typed",
      default: "1440",
      defaultType: "num",
      types: ["num", "msg", "env"],
      required: true,
      min: 0,
    },
  },
});
