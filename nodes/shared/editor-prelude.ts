// The editor's side of a node declaration: a <script> the build puts at the top of the node's
// .html (scripts/copy-node-assets.js). It defines `window.chatiaNodes[type]` with Node-RED
// `defaults` (values and validators) and, for typed inputs, their kinds; the node's registration
// uses them, so the form, its validation and the runtime share one declaration and one check. It
// also defines `chatiaTypedInput` (editor-typed-input.ts), with which every node's form makes its
// typed inputs.
import type { NodeDeclaration } from "./define-node";
import { installTypedInput } from "./editor-typed-input";
import { checkSetting } from "./setting-check";

export function editorPrelude(declaration: NodeDeclaration): string {
  return `<script type="text/javascript">
  // Generated from ${declaration.type}'s settings declaration by the build: do not edit.
  (${installTypedInput.toString()})();
  (function () {
    var checkSetting = ${checkSetting.toString()};
    var type = ${JSON.stringify(declaration.type)};
    var settings = ${JSON.stringify(declaration.settings)};
    ${editorDefaults.toString()}
    window.chatiaNodes = window.chatiaNodes || {};
    window.chatiaNodes[type] = editorDefaults(settings, checkSetting);
  })();
</script>
`;
}

interface EditorSettings {
  defaults: Record<string, Record<string, unknown>>;
  typed: Record<string, { type: string; types: readonly string[] }>;
}

/**
 * Node-RED `defaults` from declared settings, each validated by checkSetting. Runs in the editor
 * (serialised like checkSetting), so it refers to nothing outside its arguments and the page's
 * jQuery: a typed input's kind is read from its form field while the form is open.
 */
export function editorDefaults(
  settings: NodeDeclaration["settings"],
  check: typeof checkSetting,
): EditorSettings {
  const result: EditorSettings = { defaults: { name: { value: "" } }, typed: {} };
  for (const key of Object.keys(settings)) {
    const spec = settings[key];
    if (spec === undefined) continue;
    result.defaults[key] = {
      value: spec.default,
      required: spec.kind !== "flag" && "required" in spec && spec.required === true,
      validate: function (this: Record<string, unknown>, value: unknown, _opt: unknown) {
        // A setting a saved node lacks has its default, as the runtime reads it.
        const field = typeof $ === "function" ? $(`#node-input-${key}Type`) : undefined;
        const saved = field && field.length > 0 ? field.val() : this[`${key}Type`];
        const kind = saved ?? (spec.kind === "typed" ? spec.defaultType : undefined);
        const why = check(spec, value ?? spec.default, kind);
        return why === undefined ? true : `${key} ${why}`;
      },
    };
    if (spec.kind === "typed") {
      result.defaults[`${key}Type`] = { value: spec.defaultType };
      result.typed[key] = { type: spec.defaultType, types: spec.types };
    }
  }
  return result;
}

/** jQuery, as the editor page has it (only what editorDefaults uses). */
declare const $: (selector: string) => { length: number; val(): unknown };
