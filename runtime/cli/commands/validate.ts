// `chatia-flow validate [FILE]`: exit 0 when the manifest is valid (its warnings printed), 1 with
// every problem when not.
import type { Command } from "commander";
import { parseOptionalNodes } from "../../adapters/node-red/palette";
import { flowsDirFor, NODES_DIRS } from "../../app/config";
import { displayPath, formatProblem, ManifestError } from "../../manifest/problems";
import type { Io } from "../io";
import { manifestPath, parseFormat } from "../options";

export function registerValidate(program: Command, io: Io): void {
  program
    .command("validate")
    .description(
      "check a manifest: every problem on its own line as FILE:LINE:COL: message (at /pointer)",
    )
    .argument("[file]", "manifest file (default: $CHATIA_MANIFEST or ./jobs.yaml)")
    .option("--format <format>", "text or json", parseFormat, "text")
    .option(
      "--flows-dir <dir>",
      "flow files (default: $CHATIA_FLOWS_DIR or flows/ beside the manifest)",
    )
    .action(
      async (file: string | undefined, opts: { format: "text" | "json"; flowsDir?: string }) => {
        io.exitCode = await validate(manifestPath(file), opts, io);
      },
    );
}

async function validate(
  file: string,
  opts: { format: "text" | "json"; flowsDir?: string },
  io: Io,
): Promise<number> {
  const { format } = opts;
  try {
    const {
      loadCheckedManifest,
    }: typeof import("../../app/checked-manifest") = require("../../app/checked-manifest");
    const { manifest, warnings } = await loadCheckedManifest(
      {
        manifestFile: file,
        flowsDir: flowsDirFor(file, opts.flowsDir),
        nodesDirs: NODES_DIRS,
        optionalNodes: parseOptionalNodes(process.env.CHATIA_OPTIONAL_NODES),
      },
      { serviceJobs: true },
    );
    const queues = Object.values(manifest.queues);
    const jobs = queues.reduce((n, q) => n + Object.keys(q.jobs).length, 0);
    if (format === "json") {
      io.out(JSON.stringify({ valid: true, file, problems: [], warnings }, null, 2));
      return 0;
    }
    for (const warning of warnings) io.out(`warning: ${formatProblem(warning)}`);
    const declared = warnings.filter((w) => w.code === "CF_JOB_NOT_HANDLED").length;
    const note = declared > 0 ? `, ${declared} declared without a flow yet` : "";
    io.out(`${displayPath(file)}: valid (${queues.length} queues, ${jobs} jobs${note})`);
    return 0;
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    if (format === "json") {
      io.out(JSON.stringify({ valid: false, file, problems: err.problems }, null, 2));
    } else {
      for (const problem of err.problems) io.out(formatProblem(problem));
      const n = err.problems.length;
      io.err(`${displayPath(file)}: ${n} problem${n === 1 ? "" : "s"}`);
    }
    return 1;
  }
}
