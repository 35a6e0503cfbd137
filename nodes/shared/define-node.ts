// A node type's settings, declared once: the editor's defaults and validators (the build writes
// them into the node's .html, see editor-prelude.ts), the runtime's reading of a node's config
// (registerNode), and the check of saved and deployed flows (runtime/flow-bridge/node-settings-check.ts)
// all come from one `defineNode` declaration in `<node>/<node>.settings.ts`.
import { checkSetting, type SettingSpec } from "./setting-check";

export type { SettingSpec } from "./setting-check";

/** Keys a saved node may carry besides its settings: the editor's own. */
export const EDITOR_KEYS: ReadonlySet<string> = new Set([
  "id",
  "type",
  "z",
  "g",
  "x",
  "y",
  "w",
  "h",
  "wires",
  "d",
  "l",
  "info",
  "icon",
  "inputLabels",
  "outputLabels",
]);

/**
 * Names the Node-RED editor keeps on every node object for itself (position, wiring, the live
 * status badge, validation state, what it draws while a node is flashed or dragged…). A setting
 * with one of these names is overwritten by the editor and saved that way on the next deploy, so no
 * declaration may use one, nor a name starting with `_` (the editor's own `_def`, `_config`, `_index`…).
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  ...EDITOR_KEYS,
  "changed",
  "dirty",
  "valid",
  "validationErrors",
  "_def",
  "_config",
  "_orig",
  "status",
  "inputs",
  "outputs",
  "credentials",
  "selected",
  "moved",
  "users",
  "label",
  "color",
  "ports",
  "resize",
  "disabled",
  "dirtyStatus",
  "highlighted",
  "groupMoved",
]);

/** Whether the Node-RED editor keeps `name` on node objects for itself (see RESERVED_NAMES). */
export function isReservedName(name: string): boolean {
  return RESERVED_NAMES.has(name) || name.startsWith("_");
}

export interface NodeDeclaration<
  S extends Record<string, SettingSpec> = Record<string, SettingSpec>,
> {
  /** The Node-RED type, e.g. "find tickets". */
  readonly type: string;
  /** Every setting but `name`, which every node has (free text, default ""). */
  readonly settings: S;
  /** Old setting name → new one: saved flows using the old name load through a rename. */
  readonly renamed?: Readonly<Record<string, string>>;
}

type ValueOf<T extends SettingSpec> = T extends { kind: "flag" }
  ? boolean
  : T extends { kind: "choice"; values: readonly (infer V)[] }
    ? V
    : string;

/** A node's config as the runtime reads it: every setting present, defaults filled in. */
export type SettingsOf<D extends NodeDeclaration> = {
  readonly id: string;
  readonly name: string;
} & {
  readonly [K in keyof D["settings"]]: ValueOf<D["settings"][K]>;
} & {
  readonly [K in keyof D["settings"] as D["settings"][K] extends { kind: "typed" }
    ? `${K & string}Type`
    : never]: string;
};

/** Declares a node type's settings; refuses (at load, so in every test) a name the editor reserves. */
export function defineNode<const S extends Record<string, SettingSpec>>(
  declaration: NodeDeclaration<S>,
): NodeDeclaration<S> {
  for (const name of settingNames(declaration)) {
    if (isReservedName(name))
      throw new Error(
        `node "${declaration.type}": the setting "${name}" is a name the Node-RED editor keeps for itself`,
      );
  }
  return declaration;
}

/** Every key a declaration's settings occupy on a node: `name`, each setting, `<typed>Type`. */
export function settingNames(declaration: NodeDeclaration): string[] {
  const names = ["name"];
  for (const [key, spec] of Object.entries(declaration.settings)) {
    names.push(key);
    if (spec.kind === "typed") names.push(`${key}Type`);
  }
  return names;
}

/** One setting that does not fit its declaration. */
export interface SettingProblem {
  readonly setting: string;
  readonly message: string;
}

/**
 * A node's settings with defaults for those it lacks, and what is wrong with them: a setting that
 * does not fit its declaration, or a key that is neither a setting nor the editor's.
 */
export function readSettings(
  declaration: NodeDeclaration,
  node: Readonly<Record<string, unknown>>,
): { settings: Record<string, unknown>; problems: SettingProblem[] } {
  const settings: Record<string, unknown> = { ...node };
  const problems: SettingProblem[] = [];
  const fill = (key: string, value: unknown) => {
    if (settings[key] === undefined) settings[key] = value;
  };
  fill("name", "");
  if (typeof settings.name !== "string")
    problems.push({ setting: "name", message: "must be text" });
  for (const [key, spec] of Object.entries(declaration.settings)) {
    fill(key, spec.default);
    if (spec.kind === "typed") fill(`${key}Type`, spec.defaultType);
    const why = checkSetting(spec, settings[key], settings[`${key}Type`]);
    if (why !== undefined) problems.push({ setting: key, message: why });
  }
  const known = new Set(settingNames(declaration));
  for (const key of Object.keys(node)) {
    if (known.has(key) || EDITOR_KEYS.has(key) || key.startsWith("_")) continue;
    problems.push({
      setting: key,
      message: `is not a setting of "${declaration.type}" (its settings: ${[...known].join(", ")})`,
    });
  }
  return { settings, problems };
}

/** The node with old setting names (`renamed`) moved to their new names; the names moved. */
export function renameOldSettings(
  declaration: NodeDeclaration,
  node: Readonly<Record<string, unknown>>,
): { node: Record<string, unknown>; moved: [string, string][] } {
  const moved: [string, string][] = [];
  let out: Record<string, unknown> = { ...node };
  for (const [from, to] of Object.entries(declaration.renamed ?? {})) {
    if (!(from in out) || to in out) continue;
    out = Object.fromEntries(Object.entries(out).map(([k, v]) => [k === from ? to : k, v]));
    moved.push([from, to]);
  }
  return { node: out, moved };
}
