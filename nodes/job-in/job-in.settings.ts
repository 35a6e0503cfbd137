// The settings of `job in`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "job in",
  settings: {
    queue: {
      kind: "text",
      default: "",
      required: true,
    },
    job: {
      kind: "text",
      default: "",
      required: true,
    },
  },
});
