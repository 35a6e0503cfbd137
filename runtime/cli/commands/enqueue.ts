// `chatia-flow enqueue QUEUE JOB [DATA]`: adds one job by hand, with its manifest options, payload
// check and pacing — as the API and the flows do. `--wait` waits for its outcome.
import { randomUUID } from "node:crypto";
import type { Command } from "commander";
import { redisUrlFromEnv } from "../../adapters/redis/redis-url";
import { flowsDirFor } from "../../app/config";
import { ChatiaError } from "../../errors";
import { jobsWithoutFlow } from "../../flow-bridge/declared-jobs";
import { formatProblem, ManifestError } from "../../manifest/problems";
import type { QueueRuntime } from "../../queues/queue-runtime";
import type { Io } from "../io";
import { manifestPath } from "../options";

interface EnqueueOptions {
  manifest?: string;
  flowsDir?: string;
  jobId?: string;
  wait?: boolean;
  redisUrl?: string;
  prefix?: string;
}

export function registerEnqueue(program: Command, io: Io): void {
  program
    .command("enqueue")
    .description(
      "add a job by hand (data checked against its payload schema, manifest options applied)",
    )
    .argument("<queue>", "queue name, e.g. MessageQueue")
    .argument("<job>", "job name, e.g. SendMessage")
    .argument("[data]", "the job's data as JSON", "{}")
    .option("--manifest <file>", "manifest file (default: $CHATIA_MANIFEST or ./jobs.yaml)")
    .option(
      "--flows-dir <dir>",
      "flow files (default: $CHATIA_FLOWS_DIR or flows/ beside the manifest)",
    )
    .option("--job-id <id>", "a job id of your own: a second enqueue with the same id adds nothing")
    .option("--wait", "wait for the job to complete or fail, and print its outcome")
    .option("--redis-url <url>", "Redis URL (default: $REDIS_URL or redis://127.0.0.1:6379)")
    .option("--prefix <prefix>", "Bull key prefix (default: $REDIS_PREFIX or bull)")
    .action(async (queue: string, job: string, data: string, opts: EnqueueOptions) => {
      io.exitCode = await enqueue(queue, job, data, opts, io);
    });
}

async function enqueue(
  queueName: string,
  jobName: string,
  text: string,
  opts: EnqueueOptions,
  io: Io,
): Promise<number> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    io.err(`CF_CLI_USAGE: the data is not valid JSON: ${(err as Error).message}`);
    return 1;
  }
  let queues: QueueRuntime | undefined;
  try {
    const {
      compile,
      declareNotHandled,
      jobOfPlan,
    }: typeof import("../../compile") = require("../../compile");
    const { loadManifest }: typeof import("../../manifest") = require("../../manifest");
    const {
      QueueRuntime,
    }: typeof import("../../queues/queue-runtime") = require("../../queues/queue-runtime");
    const file = manifestPath(opts.manifest);
    const manifest = await loadManifest(file);
    // A job declared before its flow exists is refused here as by the API (CF_JOB_NOT_HANDLED).
    const missing = await jobsWithoutFlow(
      manifest,
      manifest.source.dir,
      flowsDirFor(file, opts.flowsDir),
    );
    const plan = declareNotHandled(compile(manifest), missing);
    // A queue or job that is not there is told (with a did-you-mean) before Redis is asked.
    jobOfPlan(plan, queueName, jobName);
    const prefix = opts.prefix ?? process.env.REDIS_PREFIX ?? "bull";
    queues = await QueueRuntime.open(plan, { url: opts.redisUrl ?? redisUrlFromEnv(), prefix });
    // The id is chosen here, so that an enqueue Redis did not answer can name the job it may add.
    const jobId = opts.jobId ?? randomUUID();
    const job = await queues.enqueue(queueName, jobName, data, { jobId }).catch((err: unknown) => {
      if (err instanceof ChatiaError) throw err;
      throw new ChatiaError(
        "CF_REDIS_CONNECT",
        `Redis did not answer the enqueue (${(err as Error).message}); job ${jobId} may still be added and run: look it up before enqueueing again, or repeat with --job-id ${jobId}`,
        { cause: err },
      );
    });
    io.out(`enqueued ${queueName}/${jobName} job ${job.id}`);
    if (!opts.wait) return 0;
    try {
      const result = await job.finished();
      // A job removed on completion may be gone before its result is read: none is kept then.
      io.out(result === undefined ? "completed" : `completed: ${JSON.stringify(result)}`);
      return 0;
    } catch (err) {
      const code = await failureCode(queues, queueName, String(job.id));
      io.err(`failed: ${code ? `${code}: ` : ""}${(err as Error).message}`);
      return 1;
    }
  } catch (err) {
    if (err instanceof ManifestError) {
      for (const problem of err.problems) io.err(formatProblem(problem));
      return 1;
    }
    if (err instanceof ChatiaError) {
      io.err(`${err.code}: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await queues?.close();
  }
}

/** The error code a failed job carries in its latest stack trace (failureInfo), if any. */
async function failureCode(queues: QueueRuntime, queueName: string, id: string) {
  const {
    failureInfo,
  }: typeof import("../../flow-bridge/node-failure") = require("../../flow-bridge/node-failure");
  const failed = await queues.queue(queueName).findJob(id);
  return failureInfo(failed?.failedReason, failed?.stacktrace ?? []).code;
}
