import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifest, ManifestError, parseManifest } from "../../../runtime/manifest";

const jobsYaml = path.resolve(__dirname, "../../../jobs.yaml");

describe("loadManifest", () => {
  it("returns one deep-frozen object", async () => {
    const manifest = await loadManifest(jobsYaml, { env: {} });
    expect(Object.isFrozen(manifest)).toBe(true);
    expect(Object.isFrozen(manifest.queues.MessageQueue?.limiter)).toBe(true);
    expect(Object.isFrozen(manifest.queues.CampaignQueue?.jobs.DispatchCampaign?.backoff)).toBe(
      true,
    );
    expect(() => {
      (manifest.queues.MessageQueue as { concurrency?: number }).concurrency = 9;
    }).toThrow(TypeError);
    expect(manifest.source).toEqual({ file: jobsYaml, dir: path.dirname(jobsYaml) });
  });

  it("reports a file that does not exist at 1:1", async () => {
    const error = await loadManifest("/nonexistent/jobs.yaml").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).problems).toEqual([
      expect.objectContaining({
        code: "CF_MANIFEST_READ",
        line: 1,
        col: 1,
        message: "cannot read the manifest: no such file",
      }),
    ]);
  });

  it("reports every problem at once, in reading order, each with a code", async () => {
    const text = [
      "version: 1",
      "queues:",
      "  Q:",
      "    jobs:",
      "      A: { flow: a, attempts: 0, cron: '* *' }",
      "      B: { flow: a, priority: high }",
    ].join("\n");
    const error = (await parseManifest(text, "/tmp/m.yaml", { env: {} }).catch(
      (e: unknown) => e,
    )) as ManifestError;
    expect(error.problems.map((p) => [p.line, p.code])).toEqual([
      [5, "CF_MANIFEST_INVALID_VALUE"],
      [5, "CF_MANIFEST_CRON"],
      [6, "CF_MANIFEST_FLOW_REUSED"],
      [6, "CF_MANIFEST_INVALID_VALUE"],
    ]);
    expect(error.message).toMatch(
      /^\/tmp\/m\.yaml:5:\d+: attempts must be at least 1 \(got 0\).* \(and 3 more\)$/,
    );
  });

  it("runs extra checks only on a manifest that is otherwise valid, and reports theirs too", async () => {
    const text = "version: 1\nqueues:\n  Q:\n    jobs:\n      A: { flow: a }\n";
    const seen: string[] = [];
    const error = (await parseManifest(text, "/tmp/m.yaml", {
      env: {},
      checks: [
        (manifest, { report }) => {
          seen.push(Object.keys(manifest.queues).join());
          report(
            "/queues/Q/jobs/A/flow",
            "CF_MANIFEST_FLOW_REUSED",
            "flow file flows/a.json is missing",
          );
        },
      ],
    }).catch((e: unknown) => e)) as ManifestError;
    expect(seen).toEqual(["Q"]);
    expect(error.problems[0]).toMatchObject({
      line: 5,
      col: 18,
      message: "flow file flows/a.json is missing",
    });

    const broken = "version: 1\nqueues:\n  Q:\n    jobs:\n      A: { flow: a, attempts: 0 }\n";
    await parseManifest(broken, "/tmp/m.yaml", {
      env: {},
      checks: [() => void seen.push("ran")],
    }).catch(() => undefined);
    expect(seen).toEqual(["Q"]);
  });

  it("keeps quoted interpolations strings and turns unquoted ones into numbers and booleans", async () => {
    const text = [
      "version: 1",
      "queues:",
      "  Q:",
      "    concurrency: ${C}",
      "    description: '${C}'",
      "    jobs:",
      "      A: { flow: a, enabled: $" + "{E} }",
    ].join("\n");
    const error = await parseManifest(text, "/tmp/m.yaml", { env: { C: "3", E: "false" } }).catch(
      (e: unknown) => e,
    );
    // `${E}` inside a flow mapping is a YAML syntax error with a hint to quote it or use block style.
    expect((error as ManifestError).problems[0]?.hint).toMatch(/quoted or written in block style/);
    const block = text.replace(
      "      A: { flow: a, enabled: ${E} }",
      "      A:\n        flow: a\n        enabled: ${E}",
    );
    const manifest = await parseManifest(block, "/tmp/m.yaml", { env: { C: "3", E: "false" } });
    expect(manifest.queues.Q?.concurrency).toBe(3);
    expect(manifest.queues.Q?.description).toBe("3");
    expect(manifest.queues.Q?.jobs.A?.enabled).toBe(false);
  });
});
