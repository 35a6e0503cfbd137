// The editor's side of a node declaration: a <script> the build puts at the top of the node's
// .html (scripts/copy-node-assets.js). It defines `window.chatiaNodes[type]` with Node-RED
// `defaults` (values and validators), for typed inputs their kinds, and the old setting names
// (`renamed`); the node's registration uses them, so the form, its validation and the runtime share
// one declaration and one check. It also defines `chatiaTypedInput` (editor-typed-input.ts), with
// which every node's form makes its typed inputs, and renames old settings in nodes the editor
// imports (installImportRenames).
import { type NodeDeclaration, renameOldSettings } from "./define-node";
import { installTypedInput } from "./editor-typed-input";
import { checkSetting } from "./setting-check";

export function editorPrelude(declaration: NodeDeclaration): string {
  return `<script type="text/javascript">
  // Generated from ${declaration.type}'s settings declaration by the build: do not edit.
  (${installTypedInput.toString()})();
  (${installImportRenames.toString()})(${renameOldSettings.toString()});
  (function () {
    var checkSetting = ${checkSetting.toString()};
    var type = ${JSON.stringify(declaration.type)};
    var settings = ${JSON.stringify(declaration.settings)};
    ${editorDefaults.toString()}
    window.chatiaNodes = window.chatiaNodes || {};
    window.chatiaNodes[type] = editorDefaults(settings, checkSetting);
    window.chatiaNodes[type].renamed = ${JSON.stringify(declaration.renamed ?? {})};
  })();
</script>
`;
}

type ImportNodes = ((nodes: unknown, ...rest: unknown[]) => unknown) & { chatiaRenames?: true };

/**
 * Makes the editor's import (the Import dialog, the library, a paste: all go through
 * RED.nodes.import) rename the old settings of chatia nodes, as the runtime does for saved flows:
 * Node-RED copies only a node's declared settings, so an old name's value was dropped and the
 * setting's default taken instead. A notice lists each rename. Runs in the editor (serialised into
 * each node's .html; the first one loaded installs it), so it refers to nothing outside its
 * argument but the page's RED.
 */
export function installImportRenames(rename: typeof renameOldSettings): void {
  const page = globalThis as unknown as {
    RED: { nodes: { import: ImportNodes }; notify(message: string, type: string): unknown };
    chatiaNodes?: Record<string, { renamed?: Record<string, string> }>;
  };
  const original = page.RED.nodes.import;
  if (original.chatiaRenames) return;
  const toHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const wrapped: ImportNodes = function (this: unknown, nodes: unknown, ...rest: unknown[]) {
    let list: unknown = nodes;
    if (typeof nodes === "string") {
      try {
        list = JSON.parse(nodes);
      } catch (_err) {
        return original.call(this, nodes, ...rest);
      }
    }
    if (!Array.isArray(list)) return original.call(this, nodes, ...rest);
    const notes: string[] = [];
    const renamed = list.map((node: Record<string, unknown>) => {
      const old = node && typeof node.type === "string" ? page.chatiaNodes?.[node.type] : undefined;
      if (!old?.renamed) return node;
      const type = node.type as string;
      const result = rename({ type, settings: {}, renamed: old.renamed }, node);
      for (const [from, to] of result.moved)
        notes.push(`${String(node.name || node.id)} (${type}): "${from}" renamed to "${to}"`);
      return result.node;
    });
    if (notes.length > 0)
      page.RED.notify(
        `<p>Imported with old setting names (names the editor keeps for itself), renamed:</p><ul>${notes
          .map((n) => `<li>${toHtml(n)}</li>`)
          .join("")}</ul>`,
        "warning",
      );
    return original.call(this, notes.length > 0 ? renamed : nodes, ...rest);
  };
  wrapped.chatiaRenames = true;
  page.RED.nodes.import = wrapped;
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
