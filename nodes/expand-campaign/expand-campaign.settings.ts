// The settings of `expand campaign`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "expand campaign",
  settings: {
    property: {
      kind: "property",
      default: "payload",
      required: true,
    },
  },
});
