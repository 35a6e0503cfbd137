// `chatia-flow plan` against live Redis exits 0 (nothing to do), 2 (changes) or 1 (error), and
// `apply` makes the changes — here around an edited cron.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli";
import { createTestRedis } from "../helpers/redis";

const dir = mkdtempSync(path.join(tmpdir(), "chatia-plan-"));
cpSync(path.resolve(__dirname, "../fixtures/runtime/behaviours"), dir, { recursive: true });
const manifest = path.join(dir, "jobs.yaml");
const redis = createTestRedis();
const env = { REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix.slice(0, -1) };

afterAll(async () => {
  await redis.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe("chatia-flow plan and apply against Redis", () => {
  it("plans the missing trigger (exit 2), applies it, then has nothing to do (exit 0)", () => {
    const first = runCli(["plan", manifest], { env });
    expect(first.code).toBe(2);
    expect(first.stdout).toBe(
      '+ CronQueue/Tick  cron "0 0 1 1 *" (UTC)\n1 change; run `chatia-flow apply` to make them.\n',
    );
    const applied = runCli(["apply", manifest], { env });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("1 change applied; 0 cron triggers kept.");
    const after = runCli(["plan", manifest], { env });
    expect(after).toMatchObject({
      code: 0,
      stdout: "Redis matches the manifest: 1 cron trigger, nothing to do.\n",
    });
  });

  it("shows an edited cron as the old trigger removed and the new one added", () => {
    writeFileSync(
      manifest,
      readFileSync(manifest, "utf8").replace('cron: "0 0 1 1 *"', 'cron: "30 4 * * 1"'),
    );
    const planned = runCli(["plan", manifest], { env });
    expect(planned.code).toBe(2);
    expect(planned.stdout.split("\n").slice(0, 2)).toEqual([
      '- CronQueue/Tick  cron "0 0 1 1 *" (UTC)',
      '+ CronQueue/Tick  cron "30 4 * * 1" (UTC)',
    ]);
    expect(runCli(["apply", manifest], { env }).code).toBe(0);
    expect(runCli(["plan", manifest], { env }).code).toBe(0);
  });

  it("exits 1 with the problems when the manifest is invalid", () => {
    writeFileSync(
      manifest,
      readFileSync(manifest, "utf8").replace('cron: "30 4 * * 1"', 'cron: "99 * * * *"'),
    );
    const result = runCli(["plan", manifest], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/jobs\.yaml:\d+:\d+: cron "99 \* \* \* \*" does not parse/);
  });
});
