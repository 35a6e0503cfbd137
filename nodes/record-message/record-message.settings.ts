// The settings of `record message`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "record message",
  settings: {
    fromMe: {
      kind: "flag",
      default: true,
    },
    output: {
      kind: "property",
      default: "message",
      required: true,
    },
    company: {
      kind: "typed",
      default: "ticket.companyId",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "num"],
    },
    ticket: {
      kind: "typed",
      default: "ticket.id",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "num"],
    },
    wid: {
      kind: "typed",
      default: "payload.wid",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "str"],
    },
    body: {
      kind: "typed",
      default: "text",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "str"],
    },
    mediaType: {
      kind: "typed",
      default: "chat",
      defaultType: "str",
      types: ["msg", "flow", "global", "env", "str"],
    },
    mediaUrl: {
      kind: "typed",
      default: "",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "str"],
    },
    jid: {
      kind: "typed",
      default: "payload.jid",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "str"],
    },
  },
});
