// The settings of `send scheduled message`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "send scheduled message",
  settings: {
    property: {
      kind: "property",
      default: "payload",
      required: true,
    },
  },
});
