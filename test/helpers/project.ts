// The repository's own jobs.yaml, flows/ and payload schemas, copied to a temp folder, for tests of
// journeys that are about them (deploys write into the copy, never into the repository).
import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

/** A temp folder holding a copy of the project's jobs.yaml, flows/ and schemas/; the caller removes it. */
export async function projectFixture(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "chatia-project-"));
  await cp(path.join(ROOT, "jobs.yaml"), path.join(dir, "jobs.yaml"));
  await cp(path.join(ROOT, "flows"), path.join(dir, "flows"), { recursive: true });
  await cp(path.join(ROOT, "schemas"), path.join(dir, "schemas"), { recursive: true });
  return dir;
}
