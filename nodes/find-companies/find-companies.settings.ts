// The settings of `find companies`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "find companies",
  settings: {
    active: {
      kind: "flag",
      default: true,
    },
    feature: {
      kind: "choice",
      default: "",
      values: ["", "useKanban", "useCampaigns", "useSchedules"],
    },
  },
});
