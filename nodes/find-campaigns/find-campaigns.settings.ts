// The settings of `find campaigns`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "find campaigns",
  settings: {
    lookAhead: {
      kind: "typed",
      default: "180",
      defaultType: "num",
      types: ["num", "msg", "flow", "global", "env"],
      min: 0,
    },
    strandedAfter: {
      kind: "typed",
      default: "10",
      defaultType: "num",
      types: ["num", "msg", "flow", "global", "env"],
      min: 0,
    },
  },
});
