// The CLI's output channels and exit code, injectable so that tests can run commands in-process.
export interface Io {
  out(line: string): void;
  err(line: string): void;
  exitCode: number;
}

export function processIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    exitCode: 0,
  };
}
