// `chatia-flow plan [FILE]`: the changes applying the manifest would make in Redis; with --offline,
// the compiled plan, for humans or (--format json) machines.
import type { Command } from "commander";
import { formatProblem, ManifestError } from "../../manifest/problems";
import type { Io } from "../io";
import { manifestPath, parseFormat } from "../options";
import { styleFor } from "../style";
import { type LiveOptions, live } from "./apply";

interface PlanOptions extends LiveOptions {
  offline?: boolean;
  format: "text" | "json";
  at?: string;
  runs: string;
}

export function registerPlan(program: Command, io: Io): void {
  program
    .command("plan")
    .description(
      "what applying the manifest would change in Redis (exit 0: nothing, 2: changes); --offline: the compiled plan, crons in words and their next runs",
    )
    .argument("[file]", "manifest file (default: $CHATIA_MANIFEST or ./jobs.yaml)")
    .option("--offline", "print the compiled plan without comparing it with Redis")
    .option("--redis-url <url>", "Redis URL (default: $REDIS_URL or redis://127.0.0.1:6379)")
    .option("--prefix <prefix>", "Bull key prefix (default: $REDIS_PREFIX or bull)")
    .option(
      "--flows-dir <dir>",
      "flow files (default: $CHATIA_FLOWS_DIR or flows/ beside the manifest)",
    )
    .option("--format <format>", "text or json", parseFormat, "text")
    .option("--at <time>", "compute next runs from this ISO time instead of now")
    .option("--runs <n>", "next runs to list per cron job", "3")
    .action(async (file: string | undefined, opts: PlanOptions) => {
      io.exitCode = await plan(manifestPath(file), opts, io);
    });
}

async function plan(file: string, opts: PlanOptions, io: Io): Promise<number> {
  if (!opts.offline) return live(file, opts, io, "plan");
  const now = opts.at === undefined ? new Date() : new Date(opts.at);
  const runs = Number(opts.runs);
  if (Number.isNaN(now.getTime()) || !Number.isInteger(runs) || runs < 0) {
    io.err("plan: --at must be an ISO time and --runs a whole number");
    return 1;
  }
  try {
    const { compile }: typeof import("../../compile") = require("../../compile");
    const { loadManifest }: typeof import("../../manifest") = require("../../manifest");
    const { formatPlan }: typeof import("../format-plan") = require("../format-plan");
    const compiled = compile(await loadManifest(file));
    io.out(
      opts.format === "json"
        ? JSON.stringify(compiled, null, 2)
        : formatPlan(compiled, { now, runs, style: styleFor(process.stdout) }),
    );
    return 0;
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    for (const problem of err.problems) io.err(formatProblem(problem));
    return 1;
  }
}
