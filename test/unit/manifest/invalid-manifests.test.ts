// Every invalid manifest under test/fixtures/manifests/invalid is refused with exactly the problems
// (message, line, column, pointer) written in its .expected golden file.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifest, ManifestError } from "../../../runtime/manifest";
import { fixtureEnv } from "../../helpers/fixture-env";
import { expectGolden } from "../../helpers/golden";

const dir = path.resolve(__dirname, "../../fixtures/manifests/invalid");
const fixtures = readdirSync(dir).filter((f) => f.endsWith(".yaml"));

describe("invalid manifests", () => {
  it("has at least 40 fixtures", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
  });

  it.each(fixtures)("%s", async (name) => {
    const file = path.join(dir, name);
    const env = fixtureEnv(readFileSync(file, "utf8"));
    const error = await loadManifest(file, { env }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ManifestError);
    const problems = (error as ManifestError).problems;
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) {
      expect(p.line).toBeGreaterThan(0);
      expect(p.col).toBeGreaterThan(0);
    }
    expectGolden(file.replace(/\.yaml$/, ".expected"), `${(error as ManifestError).format(dir)}\n`);
  });
});
