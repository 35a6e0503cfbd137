// jobs.yaml as `validate`, `apply` and the runtime take it: loaded, checked with the flow checks,
// compiled, the jobs declared before their flows exist marked. Light on purpose: the command line
// loads it without the runtime.
import { excludedNodeFiles } from "../adapters/node-red/palette";
import { compile, declareNotHandled, type Plan, serviceJobsCheck } from "../compile";
import { jobsWithoutFlow } from "../flow-bridge/declared-jobs";
import { flowChecks, listInstalledNodeTypes, stopsEveryFlow } from "../flow-bridge/flow-checks";
import {
  formatProblem,
  loadManifest,
  type Manifest,
  type ManifestCheck,
  type Problem,
} from "../manifest";
import type { RuntimeConfig } from "./config";

/** A manifest that passed every check, its plan, and the warnings it gave. */
export interface CheckedManifest {
  readonly manifest: Manifest;
  /** Jobs declared before their flows exist, or held (see `held`), are marked `notHandled`. */
  readonly plan: Plan;
  /** What leaves the manifest valid but is worth saying (a job declared, not handled). */
  readonly warnings: readonly Problem[];
  /**
   * The problems of the flows of the jobs `holdFlowProblems` let through, by job ("Queue/Job"):
   * those jobs are in the plan, not handled, with their problems (`flowProblems`).
   */
  readonly held: ReadonlyMap<string, readonly Problem[]>;
}

export interface CheckOptions {
  /**
   * Jobs whose flow problems (CF_FLOW_INVALID: a flow file that does not load, that lacks a
   * `job in` or `job out`, another flow's `job in` for the job…) do not refuse the manifest: the
   * job is held instead, not handled until its flow is mended (the editor can). Problems of the
   * manifest itself, and flow problems of other jobs, still refuse it. @defaultValue none
   */
  readonly holdFlowProblems?: (job: string) => boolean;
  /**
   * Also require the jobs the runtime's services add (`validate` does; a test's own manifest may
   * leave out the services it does not run). @defaultValue false
   */
  readonly serviceJobs?: boolean;
}

/**
 * Loads and checks the manifest with the flow checks `validate` runs too, and compiles it. Throws
 * ManifestError with every problem (but those of jobs held, see CheckOptions).
 */
export async function loadCheckedManifest(
  config: Pick<RuntimeConfig, "manifestFile" | "flowsDir" | "nodesDirs" | "optionalNodes">,
  options: CheckOptions = {},
): Promise<CheckedManifest> {
  const knownTypes = await listInstalledNodeTypes(
    config.nodesDirs,
    excludedNodeFiles(config.optionalNodes),
  );
  const warnings: Problem[] = [];
  const held = new Map<string, Problem[]>();
  const check = flowChecks({ flowsDir: config.flowsDir, knownTypes });
  const hold = options.holdFlowProblems;
  // A held job's problem is reported as a warning (located like any problem), then set apart.
  const holding: ManifestCheck = hold
    ? (manifest, context) =>
        check(manifest, {
          ...context,
          report: (pointer, code, message, hint, atKey) => {
            const job = jobOfPointer(pointer);
            const report =
              code === "CF_FLOW_INVALID" && job && hold(job) ? context.warn : context.report;
            report(pointer, code, message, hint, atKey);
          },
        })
    : check;
  const manifest = await loadManifest(config.manifestFile, {
    checks: [
      holding,
      // `validate` also checks that the jobs the services add are there (runtime/compile/service-jobs.ts).
      ...(options.serviceJobs ? [serviceJobsCheck] : []),
    ],
    onWarning: (warning) => {
      const job = warning.code === "CF_FLOW_INVALID" ? jobOfPointer(warning.pointer) : undefined;
      // A problem of a flow file no job names is reported at the first job, but is not its own:
      // that flow runs no job, so it holds none (it is logged as a warning).
      if (job === undefined || !(concerns(job, warning.message) || stopsEveryFlow(warning.message)))
        warnings.push(warning);
      else held.set(job, [...(held.get(job) ?? []), warning]);
    },
  });
  // A node type Node-RED does not have stops every flow, not only the one holding it: every
  // enabled job is held then, until a deploy removes the node (or the module is installed).
  const missing = await jobsWithoutFlow(manifest, manifest.source.dir, config.flowsDir);
  const stopping = [...held.values()].flat().filter((p) => stopsEveryFlow(p.message));
  if (stopping.length > 0)
    for (const [queue, spec] of Object.entries(manifest.queues))
      for (const [job, jobSpec] of Object.entries(spec.jobs)) {
        const key = `${queue}/${job}`;
        if (jobSpec.enabled !== false && !held.has(key) && !missing.has(key))
          held.set(key, stopping);
      }
  const problems = new Map(
    [...held].map(([job, list]) => [job, list.map((p) => formatProblem(p))]),
  );
  return {
    manifest,
    plan: declareNotHandled(compile(manifest), missing, problems),
    warnings,
    held,
  };
}

/** Whether a flow problem reported at `job` is about that job (its flow, or a `job in` taking it). */
function concerns(job: string, message: string): boolean {
  return message.includes(`(of ${job})`) || message.includes(`: handles ${job}, which flow `);
}

/** "Queue/Job" of a job's `flow:` pointer (`/queues/<Q>/jobs/<J>/flow`), where flow problems are reported. */
function jobOfPointer(pointer: string): string | undefined {
  const m = /^\/queues\/([^/]+)\/jobs\/([^/]+)\/flow$/.exec(pointer);
  if (!m) return undefined;
  const segmentOf = (segment: string) => segment.replace(/~1/g, "/").replace(/~0/g, "~");
  return `${segmentOf(m[1] ?? "")}/${segmentOf(m[2] ?? "")}`;
}
