// The settings of `update ticket`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "update ticket",
  settings: {
    property: {
      kind: "property",
      default: "payload",
      required: true,
    },
    ticketStatus: {
      kind: "choice",
      default: "keep",
      values: ["keep", "open", "pending", "closed"],
    },
    queue: {
      kind: "choice",
      default: "keep",
      values: ["keep", "redirect", "none", "id"],
    },
    queueId: {
      kind: "id",
      default: "",
    },
    user: {
      kind: "choice",
      default: "keep",
      values: ["keep", "picked", "none", "id"],
    },
    userId: {
      kind: "id",
      default: "",
    },
    close: {
      kind: "flag",
      default: false,
    },
    emit: {
      kind: "choice",
      default: "update",
      values: ["update", "delete", "none"],
    },
  },
  renamed: {
    status: "ticketStatus",
  },
});
