// `${VAR}` interpolation of manifest values, with the docker-compose forms:
//   ${VAR}          the value; an error when VAR is unset
//   ${VAR:-default} default when VAR is unset or empty     ${VAR-default}  default when unset
//   ${VAR:?message} error when VAR is unset or empty       ${VAR?message}  error when unset
//   $$              a literal $

export type Env = Readonly<Record<string, string | undefined>>;

export interface InterpolationError {
  readonly kind: "unset" | "syntax";
  /** Offset of the offending `${` within the input string. */
  readonly index: number;
  readonly message: string;
  readonly hint?: string;
}

export type InterpolationResult =
  | { readonly ok: true; readonly value: string; readonly changed: boolean }
  | { readonly ok: false; readonly errors: readonly InterpolationError[] };

const REFERENCE = /\$\$|\$\{([^}]*)\}|\$\{/g;
const BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([\s\S]*))?$/;

export function interpolate(input: string, env: Env): InterpolationResult {
  if (!input.includes("$")) return { ok: true, value: input, changed: false };
  const errors: InterpolationError[] = [];
  const value = input.replace(
    REFERENCE,
    (match: string, body: string | undefined, index: number) => {
      if (match === "$$") return "$";
      if (body === undefined) {
        errors.push({
          kind: "syntax",
          index,
          message: "unclosed ${",
          hint: "write ${NAME} or $$ for a literal $",
        });
        return match;
      }
      const parsed = BODY.exec(body);
      if (parsed === null) {
        errors.push({
          kind: "syntax",
          index,
          message: `malformed reference \${${body}}`,
          hint: "use ${NAME}, ${NAME:-default} or ${NAME:?message}, where NAME is letters, digits and _",
        });
        return match;
      }
      const [, name = "", colon, op, arg = ""] = parsed;
      const raw = env[name];
      const missing = colon === ":" ? raw === undefined || raw === "" : raw === undefined;
      if (!missing) return raw ?? "";
      if (op === "-") return arg;
      if (op === "?") {
        errors.push({
          kind: "unset",
          index,
          message: `${name} is not set: ${arg || "it is required"}`,
        });
        return match;
      }
      errors.push({
        kind: "unset",
        index,
        message: `environment variable ${name} is not set`,
        hint: `set it, or give a default with \${${name}:-default}`,
      });
      return match;
    },
  );
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value, changed: true };
}
