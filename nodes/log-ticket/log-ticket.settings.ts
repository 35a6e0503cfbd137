// The settings of `log ticket`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "log ticket",
  settings: {
    property: {
      kind: "property",
      default: "payload",
      required: true,
    },
    logType: {
      kind: "text",
      default: "redirect",
      required: true,
      pattern: "^[A-Za-z][A-Za-z0-9_-]{0,63}$",
      hint: "must start with a letter, then up to 63 letters, digits, _ or -",
    },
  },
});
