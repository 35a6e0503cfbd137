// The auth routes' request bodies, checked by hand: each is one or two bounded strings.

export interface BodyProblem {
  readonly field: string;
  readonly problem: string;
}

export type Checked<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: BodyProblem[] };

/** Longest accepted value of each field, characters. */
const MAX_LENGTH = { email: 254, password: 1024, refreshToken: 256 } as const;
type Field = keyof typeof MAX_LENGTH;

/** Checks that `body` is an object whose `fields` are non-empty strings within their limits. */
export function checkBody<F extends Field>(
  body: unknown,
  fields: readonly F[],
): Checked<Record<F, string>> {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return { ok: false, problems: [{ field: "", problem: "the body must be a JSON object" }] };
  const problems: BodyProblem[] = [];
  const value = {} as Record<F, string>;
  for (const field of fields) {
    const v = (body as Record<string, unknown>)[field];
    if (typeof v !== "string") problems.push({ field, problem: "must be a string" });
    else if (v.length === 0) problems.push({ field, problem: "must not be empty" });
    else if (v.length > MAX_LENGTH[field])
      problems.push({ field, problem: `must be at most ${MAX_LENGTH[field]} characters` });
    else value[field] = v;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}
