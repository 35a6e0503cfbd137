// `chatia-flow plan` (against live Redis) and `chatia-flow apply`: what the manifest changes in
// Redis — its cron triggers — shown, or made so.
import type { Command } from "commander";
import { parseOptionalNodes } from "../../adapters/node-red/palette";
import { redisUrlFromEnv } from "../../adapters/redis/redis-url";
import { flowsDirFor, NODES_DIRS } from "../../app/config";
import { formatProblem, ManifestError } from "../../manifest/problems";
import type { QueueRuntime } from "../../queues/queue-runtime";
import { hasChanges, type RepeatableDiff } from "../../queues/repeatables";
import { type Io, progressOf } from "../io";
import { manifestPath } from "../options";

export interface LiveOptions {
  readonly redisUrl?: string;
  readonly prefix?: string;
  readonly flowsDir?: string;
}

export function registerApply(program: Command, io: Io): void {
  program
    .command("apply")
    .description("make Redis match the manifest: add, replace and remove cron triggers")
    .argument("[file]", "manifest file (default: $CHATIA_MANIFEST or ./jobs.yaml)")
    .option("--redis-url <url>", "Redis URL (default: $REDIS_URL or redis://127.0.0.1:6379)")
    .option("--prefix <prefix>", "Bull key prefix (default: $REDIS_PREFIX or bull)")
    .option(
      "--flows-dir <dir>",
      "flow files (default: $CHATIA_FLOWS_DIR or flows/ beside the manifest)",
    )
    .action(async (file: string | undefined, opts: LiveOptions) => {
      io.exitCode = await live(manifestPath(file), opts, io, "apply");
    });
}

/** Exit 0: nothing to do (or applied); 2: `plan` found changes; 1: error. */
export async function live(
  file: string,
  opts: LiveOptions,
  io: Io,
  mode: "plan" | "apply",
): Promise<number> {
  let queues: QueueRuntime | undefined;
  try {
    const {
      loadCheckedManifest,
    }: typeof import("../../app/checked-manifest") = require("../../app/checked-manifest");
    const {
      QueueRuntime,
    }: typeof import("../../queues/queue-runtime") = require("../../queues/queue-runtime");
    const { plan } = await loadCheckedManifest({
      manifestFile: file,
      flowsDir: flowsDirFor(file, opts.flowsDir),
      nodesDirs: NODES_DIRS,
      optionalNodes: parseOptionalNodes(process.env.CHATIA_OPTIONAL_NODES),
    });
    const prefix = opts.prefix ?? process.env.REDIS_PREFIX ?? "bull";
    queues = await QueueRuntime.open(plan, {
      url: opts.redisUrl ?? redisUrlFromEnv(),
      prefix,
    });
    const bar = progressOf(io);
    const diff =
      mode === "apply"
        ? await queues
            .applyRepeatables((done, total, label) => bar.update(done, total, label))
            .finally(() => bar.stop())
        : await queues.diffRepeatables();
    printDiff(diff, io, mode);
    return mode === "plan" && hasChanges(diff) ? 2 : 0;
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    for (const problem of err.problems) io.err(formatProblem(problem));
    return 1;
  } finally {
    await queues?.close();
  }
}

function printDiff(diff: RepeatableDiff, io: Io, mode: "plan" | "apply"): void {
  for (const r of diff.remove)
    io.out(
      `- ${r.queue}/${r.name}  cron "${r.cron}" (${r.tz ?? "UTC"})${mode === "apply" ? "  removed" : ""}`,
    );
  for (const r of diff.rearm)
    io.out(
      `~ ${r.queue}/${r.name}  cron "${r.cron}" (${r.tz})  ${mode === "apply" ? "re-armed" : "has no pending next run: re-arm"}`,
    );
  for (const r of diff.add)
    io.out(
      `+ ${r.queue}/${r.name}  cron "${r.cron}" (${r.tz})${mode === "apply" ? "  added" : ""}`,
    );
  const changes = diff.add.length + diff.remove.length + diff.rearm.length;
  if (changes === 0)
    io.out(
      `Redis matches the manifest: ${diff.keep.length} cron trigger${diff.keep.length === 1 ? "" : "s"}, nothing to do.`,
    );
  else if (mode === "plan")
    io.out(`${changes} change${changes === 1 ? "" : "s"}; run \`chatia-flow apply\` to make them.`);
  else
    io.out(
      `${changes} change${changes === 1 ? "" : "s"} applied; ${diff.keep.length} cron trigger${diff.keep.length === 1 ? "" : "s"} kept.`,
    );
}
