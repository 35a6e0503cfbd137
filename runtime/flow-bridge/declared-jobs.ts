// "Declare, then build": a job may be declared in jobs.yaml before its flow exists, so that the
// editor's `job in` form can offer it. Such a job is declared, not handled: the flow checks warn
// about it (CF_JOB_NOT_HANDLED), no processor or cron trigger runs it, and enqueueing it is refused.
import { access } from "node:fs/promises";
import path from "node:path";
import type { ManifestDocument } from "../manifest";

/**
 * Keys ("Queue/Job") of the enabled jobs whose flow file does not exist in `flowsDir` (relative
 * to `manifestDir` when not absolute). A file that exists but does not load is the flow checks'
 * problem, not a missing flow.
 */
export async function jobsWithoutFlow(
  manifest: ManifestDocument,
  manifestDir: string,
  flowsDir: string,
): Promise<Set<string>> {
  const dir = path.resolve(manifestDir, flowsDir);
  const missing = new Set<string>();
  for (const [queue, spec] of Object.entries(manifest.queues)) {
    for (const [job, jobSpec] of Object.entries(spec.jobs)) {
      if (jobSpec.enabled === false) continue;
      const exists = await access(path.join(dir, `${jobSpec.flow}.json`)).then(
        () => true,
        () => false,
      );
      if (!exists) missing.add(`${queue}/${job}`);
    }
  }
  return missing;
}
