// The one check of a node setting, shared by the editor and the runtime: the build serialises
// checkSetting into each node's editor file (see editor-prelude.ts), so it must stay
// self-contained — no imports, no references outside its own body, plain ES5-compatible logic.

/** How a setting is edited and what it accepts. Plain JSON: the editor gets it as written. */
export type SettingSpec =
  /** Free text; `pattern` (a RegExp source) when it has a shape, `hint` says the shape in words. */
  | {
      readonly kind: "text";
      readonly default: string;
      readonly required?: boolean;
      readonly pattern?: string;
      readonly hint?: string;
    }
  /** One of a fixed list (a select in the form). */
  | { readonly kind: "choice"; readonly default: string; readonly values: readonly string[] }
  /** A checkbox. */
  | { readonly kind: "flag"; readonly default: boolean }
  /** Empty, or a row id: a whole number >= 1. */
  | { readonly kind: "id"; readonly default: string }
  /** A msg property path, e.g. `payload.tickets`. */
  | { readonly kind: "property"; readonly default: string; readonly required?: boolean }
  /**
   * A Node-RED typed input: the value in `<name>`, its kind (msg, num, str, env, …) in `<name>Type`.
   * `min` bounds a `num` value.
   */
  | {
      readonly kind: "typed";
      readonly default: string;
      readonly defaultType: string;
      readonly types: readonly string[];
      readonly required?: boolean;
      readonly min?: number;
    };

/**
 * Why `value` does not fit `spec` (a phrase to follow the setting's name, e.g. "must be one of
 * keep, open"), or undefined when it fits. `type` is the typed input's kind, for `typed` settings.
 */
export function checkSetting(
  spec: SettingSpec,
  value: unknown,
  type?: unknown,
): string | undefined {
  const show = (v: unknown): string => (v === undefined ? "nothing" : JSON.stringify(v));
  if (spec.kind === "flag")
    return typeof value === "boolean" ? undefined : `must be true or false, got ${show(value)}`;
  if (spec.kind === "id") {
    if (value === "" || value === undefined || value === null) return undefined;
    const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    return typeof n === "number" && Number.isSafeInteger(n) && n >= 1
      ? undefined
      : `must be empty or a whole number of at least 1, got ${show(value)}`;
  }
  if (typeof value !== "string") return `must be text, got ${show(value)}`;
  if (spec.kind === "choice")
    return spec.values.indexOf(value) !== -1
      ? undefined
      : `must be one of ${spec.values.map((v) => (v === "" ? '""' : v)).join(", ")}, got ${show(value)}`;
  if (spec.kind === "typed") {
    if (typeof type !== "string" || spec.types.indexOf(type) === -1)
      return `has the kind ${show(type)}, which is not one of ${spec.types.join(", ")}`;
    if (value === "") return spec.required && type !== "str" ? "is required" : undefined;
    if (type === "num") {
      const number = Number(value);
      if (value.trim() === "" || !Number.isFinite(number))
        return `must be a number, got ${show(value)}`;
      if (spec.min !== undefined && number < spec.min)
        return `must be a number of at least ${spec.min}, got ${show(value)}`;
    }
    if (type === "bool" && value !== "true" && value !== "false")
      return `must be true or false, got ${show(value)}`;
    if (type === "json") {
      try {
        JSON.parse(value);
      } catch (_err) {
        return `is not valid JSON: ${show(value)}`;
      }
    }
    if ((type === "msg" || type === "flow" || type === "global") && /\s/.test(value))
      return `must be a property path without spaces, got ${show(value)}`;
    return undefined;
  }
  if (value === "") return spec.required ? "is required" : undefined;
  if (spec.kind === "property")
    return /\s/.test(value)
      ? `must be a property path without spaces, got ${show(value)}`
      : undefined;
  if (spec.pattern !== undefined && !new RegExp(spec.pattern).test(value))
    return `${spec.hint ?? `must match ${spec.pattern}`}, got ${show(value)}`;
  return undefined;
}
