// The settings of `render message`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "render message",
  settings: {
    mode: {
      kind: "choice",
      default: "ticket",
      values: ["ticket", "campaign"],
    },
    mark: {
      kind: "flag",
      default: true,
    },
    output: {
      kind: "property",
      default: "text",
      required: true,
    },
    template: {
      kind: "typed",
      default: "template",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "str"],
    },
    ticket: {
      kind: "typed",
      default: "ticket.id",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "num"],
    },
    company: {
      kind: "typed",
      default: "ticket.companyId",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "num"],
    },
    values: {
      kind: "typed",
      default: "payload",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "json", "jsonata"],
    },
  },
});
