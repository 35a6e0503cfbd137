// The settings of `emit event`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "emit event",
  settings: {
    topic: {
      kind: "text",
      default: "",
      required: true,
      pattern: "^[A-Za-z][A-Za-z0-9_-]*$",
      hint: "must start with a letter, then letters, digits, _ or -",
    },
    company: {
      kind: "typed",
      default: "payload.companyId",
      defaultType: "msg",
      types: ["msg", "flow", "env", "num"],
      required: true,
    },
    event: {
      kind: "typed",
      default: "payload",
      defaultType: "msg",
      types: ["msg", "flow", "json", "jsonata"],
      required: true,
    },
  },
});
