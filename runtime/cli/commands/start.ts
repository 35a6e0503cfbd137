// `chatia-flow start`: runs the runtime until SIGTERM/SIGINT (graceful; a second one exits at
// once). SIGHUP reloads jobs.yaml.
import type { Command } from "commander";
import { loadConfig, type RuntimeConfig, type StartFlags } from "../../app/config";
import type { RunningRuntime } from "../../app/runtime";
import type { Logger } from "../../observability/logger";
import type { Io } from "../io";

export function registerStart(program: Command, io: Io): void {
  withStartOptions(
    program.command("start").description("run the runtime: queues, flows, editor and API"),
  )
    .option(
      "--demo",
      "demo mode: generate missing secrets (printed) and use the simulated WhatsApp driver",
    )
    .action(async (flags: StartFlags) => {
      io.exitCode = await runUntilStopped(loadConfig(flags), io);
    });
}

export function withStartOptions(command: Command): Command {
  return (
    command
      // No commander default: it would always win over $CHATIA_ROLE (loadConfig applies "all").
      .option(
        "--role <role>",
        "all (one process), api (HTTP, editor, cron triggers) or worker (runs jobs) (default: $CHATIA_ROLE or all)",
      )
      .option("--no-editor", "do not serve the Node-RED editor")
      .option("--port <port>", "HTTP port (default: $PORT or 8080)")
      .option("--host <host>", "HTTP address (default: $HOST or 127.0.0.1)")
      .option("--manifest <file>", "manifest file (default: $CHATIA_MANIFEST or ./jobs.yaml)")
      .option("--flows-dir <dir>", "flow files (default: $CHATIA_FLOWS_DIR or ./flows)")
  );
}

/** Starts the runtime and resolves with the exit code once it has stopped. */
export async function runUntilStopped(config: RuntimeConfig, io: Io): Promise<number> {
  // Loaded here, not at the top: `--help` and the other commands need none of the runtime.
  const {
    createLogger,
  }: typeof import("../../observability/logger") = require("../../observability/logger");
  const { startRuntime }: typeof import("../../app/runtime") = require("../../app/runtime");
  const { buildServices }: typeof import("../../app/services") = require("../../app/services");
  const log = createLogger();
  const runtime = await startRuntime(config, { log, services: buildServices }).catch(
    (err: unknown) => {
      // A start that failed (a service that does not answer) has closed what it opened, but a
      // socket to a silent server may linger half-closed: the error is printed, then we exit.
      exitSoon(1);
      throw err;
    },
  );
  announce(runtime, io);
  return new Promise((resolve) => {
    let stopping = false;
    // A Redis client of the runtime that ended for good leaves a process that is never ready again
    // and cannot stop cleanly (its commands fail, Bull's close waits on it): exit 1 at once, so the
    // supervisor (compose `restart`, systemd) starts a fresh process. Bull's stalled-job check
    // hands this process's active jobs to another worker, as after a crash.
    const { onRedisEnded }: typeof import("../../adapters/redis") = require("../../adapters/redis");
    onRedisEnded((client) => {
      if (stopping) return;
      stopping = true;
      log.error(
        { code: "CF_REDIS_ENDED", client },
        `Redis client ${client} ended and will not reconnect: exiting so the supervisor restarts the process`,
      );
      process.exitCode = 1;
      exitSoon(1);
      resolve(1);
    });
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, "second signal: exiting now");
        process.exit(1);
      }
      stopping = true;
      log.info(
        { signal, graceMs: config.graceMs },
        "stopping: no new jobs, waiting for active ones",
      );
      runtime.stop().then(
        () => {
          log.info("stopped");
          exitSoon(0);
          resolve(0);
        },
        (err: unknown) => {
          log.error({ err }, "stop failed");
          exitSoon(1);
          resolve(1);
        },
      );
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    process.on("SIGHUP", () => void reloadOnSignal(runtime, log));
  });
}

/**
 * Everything is closed by now, but a library may keep a timer or socket referenced (Node-RED does):
 * make sure the process ends, after giving stdout a moment to flush.
 */
function exitSoon(code: number): void {
  setTimeout(() => process.exit(code), 500).unref();
}

async function reloadOnSignal(runtime: RunningRuntime, log: Logger): Promise<void> {
  try {
    await runtime.reload();
  } catch (err) {
    log.error({ err }, "reload failed");
  }
}

function announce(runtime: RunningRuntime, io: Io): void {
  const { config, url } = runtime;
  io.out(`chatia-flow ${config.role} running${url ? ` at ${url}` : ""}`);
  if (!url) return;
  if (config.editorPath !== false) {
    const login = config.demo ? ` (login ${config.admin.username} / ${config.admin.password})` : "";
    io.out(`  editor  ${url}${config.editorPath}/${login}`);
  }
  io.out(`  api     ${url}/api (OpenAPI document at ${url}/api/openapi.json; socket.io at ${url})`);
  io.out(`  board   ${url}/admin/queues (Bull Board; log in with an admin's email and password)`);
  io.out(`  health  ${url}/readyz`);
}
