// The settings of `move lane`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "move lane",
  settings: {
    property: {
      kind: "property",
      default: "payload",
      required: true,
    },
  },
});
