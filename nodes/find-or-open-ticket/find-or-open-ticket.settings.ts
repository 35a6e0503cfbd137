// The settings of `find or open ticket`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "find or open ticket",
  settings: {
    output: {
      kind: "property",
      default: "ticket",
      required: true,
    },
    company: {
      kind: "typed",
      default: "payload.companyId",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "num"],
    },
    connection: {
      kind: "typed",
      default: "payload.whatsappId",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "num"],
    },
    contact: {
      kind: "typed",
      default: "payload.contactId",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "num"],
    },
    number: {
      kind: "typed",
      default: "",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "str"],
    },
    group: {
      kind: "typed",
      default: "",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "bool"],
    },
    queue: {
      kind: "typed",
      default: "",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "num"],
    },
    user: {
      kind: "typed",
      default: "",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "num"],
    },
    ticketStatus: {
      kind: "typed",
      default: "pending",
      defaultType: "str",
      types: ["msg", "flow", "global", "env", "str"],
    },
  },
  renamed: {
    status: "ticketStatus",
    statusType: "ticketStatusType",
  },
});
