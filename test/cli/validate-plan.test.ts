// `chatia-flow validate` and `plan --offline` as a user runs them (needs `npm run build`).
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli";
import { expectGolden } from "../helpers/golden";

const invalid = path.resolve(__dirname, "../fixtures/manifests/invalid");

describe("chatia-flow validate", () => {
  it("exits 0 on the shipped jobs.yaml", () => {
    const result = runCli(["validate"]);
    expect(result).toMatchObject({ code: 0, stdout: "jobs.yaml: valid (11 queues, 14 jobs)\n" });
  });

  it("exits 1 and prints each problem as FILE:LINE:COL: message (at /pointer)", () => {
    const result = runCli(["validate", "many-problems.yaml"], { cwd: invalid });
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(8);
    for (const line of lines)
      expect(line).toMatch(/^many-problems\.yaml:\d+:\d+: .+ \(at \/\S.*\)$/);
    expect(lines[0]).toBe(
      'many-problems.yaml:3:3: unknown key "atempts" in defaults; did you mean "attempts"? (at /defaults/atempts)',
    );
    expect(result.stderr).toBe("many-problems.yaml: 8 problems\n");
  });

  it("--format json gives the problems as data", () => {
    const result = runCli(["validate", "--format", "json", path.join(invalid, "tz-typo.yaml")]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ valid: false, file: path.join(invalid, "tz-typo.yaml") });
    expect(report.problems).toEqual([
      {
        code: "CF_MANIFEST_TZ",
        message: '"America/Sao_Pualo" is not an IANA time zone',
        hint: 'did you mean "America/Sao_Paulo"?',
        file: path.join(invalid, "tz-typo.yaml"),
        line: 8,
        col: 13,
        pointer: "/queues/ScheduleMonitor/jobs/Verify/tz",
      },
    ]);
  });

  it("reads $CHATIA_MANIFEST when no file is given", () => {
    const result = runCli(["validate"], {
      env: { CHATIA_MANIFEST: path.join(invalid, "wrong-version.yaml") },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("wrong-version.yaml:1:10: version must be 1 (got 2)");
  });

  it("refuses an unknown format as a usage error", () => {
    const result = runCli(["validate", "--format", "xml"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("--format must be text or json");
  });
});

describe("chatia-flow plan --offline", () => {
  it("lists all 14 jobs with their crons in words and next runs in their time zone", () => {
    const result = runCli(["plan", "--offline", "--at", "2026-11-27T12:00:30Z"]);
    expect(result.code).toBe(0);
    expectGolden(path.resolve(__dirname, "plan-offline.golden.txt"), result.stdout);
    expect(result.stdout.match(/→ flow /g)).toHaveLength(14);
    expect(result.stdout).toContain('cron "*/20 * * * * *" (UTC): Every 20 seconds');
    expect(result.stdout).toContain(
      "next: 2026-11-28 03:15:00 GMT-3, 2026-11-29 03:15:00 GMT-3, 2026-11-30 03:15:00 GMT-3",
    );
  });

  it("prints the plan as JSON for machines", () => {
    const result = runCli(["plan", "--offline", "--format", "json"]);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.queues.flatMap((q: { jobs: unknown[] }) => q.jobs)).toHaveLength(14);
  });

  it("exits 1 with the manifest's problems when it is invalid", () => {
    const result = runCli(["plan", "--offline", "cron-words.yaml"], { cwd: invalid });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^cron-words\.yaml:7:15: cron "every minute please" has 3 fields/,
    );
  });
});
