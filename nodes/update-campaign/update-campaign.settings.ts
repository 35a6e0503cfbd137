// The settings of `update campaign`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "update campaign",
  settings: {
    campaignStatus: {
      kind: "choice",
      default: "EM_ANDAMENTO",
      values: ["EM_ANDAMENTO", "CANCELADA"],
    },
    property: {
      kind: "property",
      default: "campaigns",
      required: true,
    },
  },
  renamed: {
    status: "campaignStatus",
  },
});
