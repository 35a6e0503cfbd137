// The settings of `prepare shipping`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "prepare shipping",
  settings: {
    property: {
      kind: "property",
      default: "payload",
      required: true,
    },
  },
});
