// A chatia-flow process started as an operator would (`node bin/chatia-flow.js …`), with its
// output collected and helpers to wait for a line and for its exit.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

export interface RunningProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves when the output matches `pattern` (rejects after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or the signal's name). */
  exited(): Promise<number | string>;
}

export function startProcess(args: readonly string[], env: NodeJS.ProcessEnv): RunningProcess {
  const child = spawn(process.execPath, [path.join(ROOT, "bin", "chatia-flow.js"), ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NO_COLOR: "1",
      LOG_LEVEL: process.env.TEST_CHILD_LOG_LEVEL ?? "info",
      NODE_RED_LOG_LEVEL: "off",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout?.on("data", (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const exit = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return {
    child,
    output: () => text,
    exited: () => exit,
    waitFor: (pattern, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const poll = () => {
          const match = text.match(pattern);
          if (match) return resolve(match);
          if (Date.now() > deadline || child.exitCode !== null) {
            return reject(
              new Error(`no ${pattern} in the output of chatia-flow ${args.join(" ")}:\n${text}`),
            );
          }
          setTimeout(poll, 50);
        };
        poll();
      }),
  };
}
