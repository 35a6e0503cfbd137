// The settings of `enqueue job`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "enqueue job",
  settings: {
    mode: {
      kind: "choice",
      default: "single",
      values: ["single", "list"],
    },
    queue: {
      kind: "text",
      default: "",
    },
    job: {
      kind: "text",
      default: "",
    },
    data: {
      kind: "typed",
      default: "payload",
      defaultType: "msg",
      types: ["msg", "flow", "global", "json", "jsonata"],
    },
    jobId: {
      kind: "typed",
      default: "",
      defaultType: "str",
      types: ["str", "msg", "flow", "jsonata", "env"],
    },
    delay: {
      kind: "typed",
      default: "",
      defaultType: "num",
      types: ["num", "msg", "flow", "jsonata", "env"],
      min: 0,
    },
    priority: {
      kind: "typed",
      default: "",
      defaultType: "num",
      types: ["num", "msg", "env"],
      min: 1,
    },
    property: {
      kind: "property",
      default: "payload",
    },
  },
});
