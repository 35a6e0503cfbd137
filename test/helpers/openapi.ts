// Checks an API response against the OpenAPI document the API serves: the operation exists, the
// status is one it documents, and the JSON body validates against that status's schema.
import Ajv2020 from "ajv/dist/2020";
import { expect } from "vitest";
import { openApiDocument } from "../../runtime/http/openapi";

const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
ajv.addSchema(openApiDocument as object, "api");

export type DocumentedPath = keyof typeof openApiDocument.paths;

export interface DocumentedResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string | string[] | undefined>;
}

export function expectDocumented(
  method: "get" | "post",
  template: DocumentedPath,
  res: DocumentedResponse,
): void {
  const operation = (openApiDocument.paths as Record<string, Record<string, unknown>>)[template]?.[
    method
  ] as { responses: Record<string, unknown> } | undefined;
  expect(operation, `${method} ${template}`).toBeDefined();
  const status = String(res.status);
  expect(Object.keys(operation?.responses ?? {}), `${method} ${template}`).toContain(status);
  expect(res.headers["content-type"]).toMatch(/application\/json/);
  const pointer = [
    "paths",
    template,
    method,
    "responses",
    status,
    "content",
    "application/json",
    "schema",
  ]
    .map((s) => encodeURIComponent(s.replace(/~/g, "~0").replace(/\//g, "~1")))
    .join("/");
  const validate = ajv.compile({ $ref: `api#/${pointer}` });
  expect(
    validate(res.body),
    `${method} ${template} ${status}: ${ajv.errorsText(validate.errors)}`,
  ).toBe(true);
}

/** The path with its `{params}` filled in. */
export function fillPath(
  template: DocumentedPath,
  params: Record<string, string | number>,
): string {
  return template.replace(/\{(\w+)\}/g, (_, p: string) =>
    encodeURIComponent(String(params[p] ?? "")),
  );
}
