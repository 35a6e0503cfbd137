// The manifest's TypeScript types against the schema that is its contract: the generated file is
// what `npm run gen:types` makes of schemas/jobs.schema.json today, and the hand-written types in
// runtime/manifest/types.ts accept exactly the documents the generated ones do (checked by tsc).
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, expectTypeOf, it } from "vitest";
import type * as Generated from "../../../runtime/manifest/jobs-schema.generated";
import type * as Written from "../../../runtime/manifest/types";

const root = path.join(__dirname, "..", "..", "..");

describe("manifest types", () => {
  it("generated from the schema are up to date", async () => {
    const run = promisify(execFile)(
      process.execPath,
      [path.join(root, "scripts", "gen-manifest-types.js"), "--check"],
      { cwd: root },
    );
    await expect(run).resolves.toMatchObject({ stderr: "" });
  });

  it("written by hand match the generated ones both ways", () => {
    expectTypeOf<Written.ManifestDocument>().toExtend<Generated.ChatiaFlowManifestJobsYaml>();
    expectTypeOf<Generated.ChatiaFlowManifestJobsYaml>().toExtend<Written.ManifestDocument>();
    expectTypeOf<Written.QueueSpec>().toExtend<Generated.Queue>();
    expectTypeOf<Generated.Queue>().toExtend<Written.QueueSpec>();
    expectTypeOf<Written.JobSpec>().toExtend<Generated.Job>();
    expectTypeOf<Generated.Job>().toExtend<Written.JobSpec>();
    expectTypeOf<Written.Limiter>().toExtend<Generated.Limiter>();
    expectTypeOf<Generated.Limiter>().toExtend<Written.Limiter>();
  });
});
