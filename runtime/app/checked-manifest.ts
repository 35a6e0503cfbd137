// jobs.yaml as `validate`, `apply` and the runtime take it: loaded, checked with the flow checks,
// compiled, the jobs declared before their flows exist marked. Light on purpose: the command line
// loads it without the runtime.
import { excludedNodeFiles } from "../adapters/node-red/palette";
import { compile, declareNotHandled, type Plan, serviceJobsCheck } from "../compile";
import { jobsWithoutFlow } from "../flow-bridge/declared-jobs";
import { flowChecks, listInstalledNodeTypes } from "../flow-bridge/flow-checks";
import { loadManifest, type Manifest, type Problem } from "../manifest";
import type { RuntimeConfig } from "./config";

/** A manifest that passed every check, its plan, and the warnings it gave. */
export interface CheckedManifest {
  readonly manifest: Manifest;
  /** Jobs declared before their flows exist are marked `notHandled`. */
  readonly plan: Plan;
  /** What leaves the manifest valid but is worth saying (a job declared, not handled). */
  readonly warnings: readonly Problem[];
}

/**
 * Loads and checks the manifest with the flow checks `validate` runs too, and compiles it. Throws
 * ManifestError with every problem. `serviceJobs`: also require the jobs the runtime's services add
 * (`validate` does; a test's own manifest may leave out the services it does not run).
 */
export async function loadCheckedManifest(
  config: Pick<RuntimeConfig, "manifestFile" | "flowsDir" | "nodesDirs" | "optionalNodes">,
  options: { readonly serviceJobs?: boolean } = {},
): Promise<CheckedManifest> {
  const knownTypes = await listInstalledNodeTypes(
    config.nodesDirs,
    excludedNodeFiles(config.optionalNodes),
  );
  const warnings: Problem[] = [];
  const manifest = await loadManifest(config.manifestFile, {
    checks: [
      flowChecks({ flowsDir: config.flowsDir, knownTypes }),
      // `validate` also checks that the jobs the services add are there (runtime/compile/service-jobs.ts).
      ...(options.serviceJobs ? [serviceJobsCheck] : []),
    ],
    onWarning: (warning) => warnings.push(warning),
  });
  const missing = await jobsWithoutFlow(manifest, manifest.source.dir, config.flowsDir);
  return { manifest, plan: declareNotHandled(compile(manifest), missing), warnings };
}
