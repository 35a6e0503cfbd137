// The CLI's output channels and exit code, injectable so that tests can run commands in-process.
import { type Progress, terminalProgress } from "./progress";

export interface Io {
  out(line: string): void;
  err(line: string): void;
  exitCode: number;
  /** A progress bar for long work; absent or silent when output is not a terminal. */
  progress?(): Progress;
}

/** The Io's progress bar, or one that draws nothing. */
export function progressOf(io: Io): Progress {
  return io.progress?.() ?? { update: () => undefined, stop: () => undefined };
}

export function processIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    exitCode: 0,
    progress: () => terminalProgress(process.stderr),
  };
}
