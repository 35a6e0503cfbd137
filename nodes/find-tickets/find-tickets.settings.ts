// The settings of `find tickets`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "find tickets",
  settings: {
    ticketStatus: {
      kind: "choice",
      default: "pending",
      values: ["", "open", "pending", "closed"],
    },
    queue: {
      kind: "choice",
      default: "any",
      values: ["any", "none", "routed", "id"],
    },
    queueId: {
      kind: "id",
      default: "",
    },
    connection: {
      kind: "id",
      default: "",
    },
    connected: {
      kind: "flag",
      default: false,
    },
    idle: {
      kind: "choice",
      default: "none",
      values: ["none", "minutes", "timeSendQueue", "expiresTicket", "tempoRoteador"],
    },
    idleMinutes: {
      kind: "typed",
      default: "0",
      defaultType: "num",
      types: ["num", "msg", "env"],
      min: 0,
    },
    user: {
      kind: "choice",
      default: "any",
      values: ["any", "with", "without"],
    },
    tag: {
      kind: "id",
      default: "",
    },
    groups: {
      kind: "flag",
      default: true,
    },
    companies: {
      kind: "property",
      default: "",
    },
  },
  renamed: {
    status: "ticketStatus",
  },
});
