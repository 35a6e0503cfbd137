// The settings of `send ticket message`, declared once: editor defaults and validators, runtime reading, flow checks.
import { defineNode } from "../shared/define-node";

export const declaration = defineNode({
  type: "send ticket message",
  settings: {
    property: {
      kind: "property",
      default: "payload",
      required: true,
    },
    text: {
      kind: "typed",
      default: "",
      defaultType: "str",
      types: ["str", "row"],
    },
    kind: {
      kind: "text",
      default: "greeting",
      required: true,
      pattern: "^[A-Za-z][A-Za-z0-9_-]*$",
      hint: "must start with a letter, then letters, digits, _ or -",
    },
    setting: {
      kind: "choice",
      default: "",
      values: ["", "sendGreetingMessageOneQueues"],
    },
  },
});
