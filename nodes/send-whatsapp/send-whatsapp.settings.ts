// The settings of `send whatsapp`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "send whatsapp",
  settings: {
    record: {
      kind: "flag",
      default: true,
    },
    connection: {
      kind: "typed",
      default: "payload.whatsappId",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "num"],
      required: true,
    },
    to: {
      kind: "typed",
      default: "payload.data.number",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "str"],
      required: true,
    },
    text: {
      kind: "typed",
      default: "payload.data.body",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "str"],
    },
    media: {
      kind: "typed",
      default: "payload.data.mediaPath",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "str"],
    },
    group: {
      kind: "typed",
      default: "payload.data.isGroup",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "bool"],
    },
    company: {
      kind: "typed",
      default: "payload.data.companyId",
      defaultType: "msg",
      types: ["msg", "flow", "global", "env", "num"],
    },
    key: {
      kind: "typed",
      default: "",
      defaultType: "str",
      types: ["msg", "flow", "global", "env", "str"],
    },
  },
});
