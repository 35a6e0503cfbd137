// The settings of `pick attendant`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "pick attendant",
  settings: {
    property: {
      kind: "property",
      default: "payload",
      required: true,
    },
  },
});
