// The OpenAPI document the API serves is a valid OpenAPI 3.1 document (checked against the
// specification's own schema), and a generated client can log in from it: the auth endpoints are
// there, and every other endpoint asks for the bearer scheme.
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../runtime/http/openapi";

type Operation = {
  security?: unknown[];
  responses: Record<string, unknown>;
  operationId?: string;
};
const operations = Object.entries(openApiDocument.paths).flatMap(([path, item]) =>
  Object.entries(item as Record<string, Operation>).map(([method, op]) => ({ path, method, op })),
);

describe("the OpenAPI document", () => {
  it("validates against the OpenAPI 3.1 schema", async () => {
    // An ES module: loaded with import() from this CommonJS-compiled test.
    const { Validator } = await import("@seriousme/openapi-schema-validator");
    const document = structuredClone(openApiDocument) as unknown as Record<string, unknown>;
    const result = await new Validator().validate(document as never);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("has the login, refresh and logout endpoints, open to anyone", () => {
    for (const path of ["/api/auth/login", "/api/auth/refresh", "/api/auth/logout"]) {
      const op = operations.find((o) => o.path === path && o.method === "post");
      expect(op, path).toBeDefined();
      expect(op?.op.security, path).toEqual([]);
    }
    const login = openApiDocument.paths["/api/auth/login"].post.responses["200"];
    expect(JSON.stringify(login)).toContain("#/components/schemas/Session");
  });

  it("declares a bearer scheme that every other endpoint needs", () => {
    expect(openApiDocument.components.securitySchemes.bearer).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
    expect(openApiDocument.security).toEqual([{ bearer: [] }]);
    const open = operations.filter((o) => o.op.security !== undefined).map((o) => o.path);
    expect(open.sort()).toEqual([
      "/api/auth/login",
      "/api/auth/logout",
      "/api/auth/refresh",
      "/api/openapi.json",
    ]);
  });

  it("names every operation with its own operationId (a generated client's method names)", () => {
    const ids = operations.map((o) => o.op.operationId);
    for (const [i, id] of ids.entries())
      expect(id, `${operations[i]?.method} ${operations[i]?.path}`).toMatch(/^[a-z][A-Za-z]+$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
