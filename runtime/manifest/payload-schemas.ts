// Payload schemas: the JSON Schemas (draft-07) that a job's data must satisfy.
import { readFile } from "node:fs/promises";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { fromPointer } from "./problems";
import { explainSchemaErrors } from "./schema-errors";

export type PayloadSchemaResult =
  | { readonly ok: true; readonly validate: ValidateFunction }
  | { readonly ok: false; readonly reason: "missing" | "invalid"; readonly message: string };

/** A fresh validator per schema file, so that two files may share an `$id`. */
export function newPayloadAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
  });
  addFormats(ajv);
  return ajv;
}

export async function loadPayloadSchema(file: string): Promise<PayloadSchemaResult> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    return {
      ok: false,
      reason: missing ? "missing" : "invalid",
      message: missing ? "does not exist" : `cannot be read: ${(err as Error).message}`,
    };
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      reason: "invalid",
      message: `is not valid JSON: ${(err as Error).message}`,
    };
  }
  const ajv = newPayloadAjv();
  if (!ajv.validateSchema(schema as object)) {
    // ajv's meta-schema errors lack the offending value; take it from the schema itself.
    const errors = (ajv.errors ?? []).map((e) => ({ ...e, data: valueAt(schema, e.instancePath) }));
    const reasons = explainSchemaErrors(errors).map(
      (i) =>
        `${i.message}${i.hint ? `, ${i.hint}` : ""}${i.pointer ? ` (at ${i.pointer} in the schema)` : ""}`,
    );
    return {
      ok: false,
      reason: "invalid",
      message: `is not a valid JSON Schema: ${reasons.join("; ")}`,
    };
  }
  try {
    return { ok: true, validate: ajv.compile(schema as object) };
  } catch (err) {
    return {
      ok: false,
      reason: "invalid",
      message: `is not a valid JSON Schema: ${(err as Error).message}`,
    };
  }
}

function valueAt(root: unknown, pointer: string): unknown {
  return fromPointer(pointer).reduce<unknown>(
    (node, key) =>
      typeof node === "object" && node !== null
        ? (node as Record<string, unknown>)[key]
        : undefined,
    root,
  );
}

/** `payload/data/number must be string`-style lines for a failed validation of `root`. */
export function describePayloadErrors(
  errors: readonly ErrorObject[] | null | undefined,
  root = "payload",
): string[] {
  return (errors ?? []).map((e) => {
    const where = `${root}${e.instancePath}`;
    if (e.keyword === "additionalProperties")
      return `${where} has unknown key "${String(e.params.additionalProperty)}"`;
    if (e.keyword === "required")
      return `${where} is missing "${String(e.params.missingProperty)}"`;
    return `${where} ${e.message ?? "is invalid"}`;
  });
}
