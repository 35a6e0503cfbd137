// The settings of `schedule messages`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "schedule messages",
  settings: {
    property: {
      kind: "property",
      default: "payload",
      required: true,
    },
  },
});
