// `chatia-flow start` refuses to start, with a clear message and exit 1, when something it needs
// is wrong: secrets, the manifest, a flow when no editor is served to mend it, Redis.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli";

const secrets = {
  CHATIA_ADMIN_PASSWORD: "a-long-enough-password",
  NODE_RED_CREDENTIAL_SECRET: "a-long-enough-credential-secret",
  CHATIA_JWT_SECRET: "a-long-enough-jwt-secret-0123456789abcdef",
};
const dir = mkdtempSync(path.join(tmpdir(), "chatia-start-"));
cpSync(path.resolve(__dirname, "../fixtures/runtime/echo"), dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("chatia-flow start refuses to start", () => {
  it("without the editor's password (outside demo mode)", () => {
    const result = runCli(["start", "--manifest", path.join(dir, "jobs.yaml")], {
      env: { NODE_RED_CREDENTIAL_SECRET: secrets.NODE_RED_CREDENTIAL_SECRET },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "CF_CONFIG_MISSING: CHATIA_ADMIN_PASSWORD is not set; set it (or start the demo with --demo, which generates one)\n",
    );
  });

  it("with a CHATIA_ROLE that is not a role (the variable is read: --role has no default of its own)", () => {
    const result = runCli(["start", "--no-editor"], { env: { ...secrets, CHATIA_ROLE: "boss" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('CF_CLI_USAGE: --role must be all, api or worker, not "boss"');
    const flag = runCli(["start", "--no-editor", "--role", "chef"], {
      env: { ...secrets, CHATIA_ROLE: "worker" },
    });
    expect(flag.stderr).toContain('not "chef"');
  });

  it("with a short credential secret", () => {
    const result = runCli(["start", "--no-editor"], {
      env: { NODE_RED_CREDENTIAL_SECRET: "short" },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "CF_CONFIG_MISSING: NODE_RED_CREDENTIAL_SECRET is shorter than 16 characters",
    );
  });

  it("with CHATIA_CORS_ORIGINS listing something that is not an origin", () => {
    const result = runCli(["start", "--no-editor"], {
      env: { ...secrets, CHATIA_CORS_ORIGINS: "https://app.example.com, *" },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'CF_CONFIG_INVALID: CHATIA_CORS_ORIGINS: "*" is not an origin like https://app.example.com\n',
    );
  });

  it("with an invalid manifest, listing every problem as validate does", () => {
    const manifest = path.resolve(__dirname, "../fixtures/manifests/invalid/many-problems.yaml");
    const result = runCli(["start", "--manifest", manifest], { env: secrets });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(8);
  });

  it("without the editor, when a flow does not fit its job, naming the job, the flow file and the problem", () => {
    // With the editor, it starts and holds the job instead (start-broken-flow.test.ts).
    writeFileSync(path.join(dir, "flows", "echo.json"), "[]\n");
    const result = runCli(["start", "--no-editor", "--manifest", path.join(dir, "jobs.yaml")], {
      env: secrets,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /jobs\.yaml:\d+:\d+: flow file flows\/echo\.json .*TestQueue\/Echo/,
    );
  });

  it("when Redis cannot be reached", () => {
    cpSync(path.resolve(__dirname, "../fixtures/runtime/echo/flows"), path.join(dir, "flows"), {
      recursive: true,
    });
    const result = runCli(["start", "--no-editor", "--manifest", path.join(dir, "jobs.yaml")], {
      env: {
        ...secrets,
        REDIS_URL: "redis://127.0.0.1:1",
        DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres",
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^CF_REDIS_CONNECT: cannot reach Redis at 127\.0\.0\.1:1/);
  }, 30_000);
});
