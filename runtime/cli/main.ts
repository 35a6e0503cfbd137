// The `chatia-flow` command.
//
// Lazy on purpose: `--help` and `validate` must answer within a couple of seconds, and loading the
// runtime (Node-RED, Bull, Sequelize, Express, baileys) takes over a second on its own. So the
// command modules import only what defines their options at the top, and `require` the code that
// runs a command inside its action, typed with `typeof import(…)`.
import { Command, CommanderError } from "commander";
import { ChatiaError } from "../errors";
import { ManifestError } from "../manifest/problems";
import { PACKAGE_VERSION } from "../project-root";
import { registerApply } from "./commands/apply";
import { registerDb } from "./commands/db";
import { registerDemo } from "./commands/demo";
import { registerEnqueue } from "./commands/enqueue";
import { registerPlan } from "./commands/plan";
import { registerStart } from "./commands/start";
import { registerToken } from "./commands/token";
import { registerValidate } from "./commands/validate";
import { type Io, processIo } from "./io";

export function buildProgram(io: Io): Command {
  const program = new Command("chatia-flow")
    .description(
      "Low-code flow runtime for ChatIA's background jobs: jobs.yaml → Bull queues → Node-RED flows",
    )
    .version(PACKAGE_VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.trimEnd()),
      writeErr: (s) => io.err(s.trimEnd()),
    });
  registerValidate(program, io);
  registerPlan(program, io);
  registerDb(program, io);
  registerDemo(program, io);
  registerApply(program, io);
  registerEnqueue(program, io);
  registerStart(program, io);
  registerToken(program, io);
  return program;
}

/** Runs the command line and resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  try {
    await buildProgram(io).parseAsync([...argv]);
    return io.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ManifestError) {
      io.err(err.format());
      return 1;
    }
    if (err instanceof ChatiaError) {
      io.err(`${err.code}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
