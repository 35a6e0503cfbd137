// A fixture folder holding the repository's own jobs.yaml, flows/ and schemas/ (copied, since a
// runtime writes deploys back to its flows), for tests whose journey is about the real jobs.
import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "../..");

export async function repoFixture(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "chatia-repo-fixture-"));
  await cp(path.join(REPO_ROOT, "jobs.yaml"), path.join(dir, "jobs.yaml"));
  for (const folder of ["flows", "schemas"])
    await cp(path.join(REPO_ROOT, folder), path.join(dir, folder), { recursive: true });
  return dir;
}
