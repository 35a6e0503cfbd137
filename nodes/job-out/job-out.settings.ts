// The settings of `job out`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "job out",
  settings: {
    mode: {
      kind: "choice",
      default: "complete",
      values: ["complete", "fail"],
    },
    property: {
      kind: "property",
      default: "payload",
    },
    retry: {
      kind: "flag",
      default: true,
    },
  },
});
