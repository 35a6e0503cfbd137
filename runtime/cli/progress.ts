// A progress bar for long CLI work (`db seed`, `apply`), drawn on stderr and only on a terminal:
// piped or redirected output (scripts, CI, the tests) stays exactly the command's result lines.
import type { SingleBar } from "cli-progress";

export interface Progress {
  /** `done` of `total` steps; `label` names the step just finished. */
  update(done: number, total: number, label: string): void;
  /** Clears the bar (call before printing the result). */
  stop(): void;
}

const SILENT: Progress = { update: () => undefined, stop: () => undefined };

/** A bar on `stream` when it is a terminal (and $CHATIA_PROGRESS is not "0"); else a no-op. */
export function terminalProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): Progress {
  if (stream.isTTY !== true || env.CHATIA_PROGRESS === "0") return SILENT;
  let bar: SingleBar | undefined;
  return {
    update(done, total, label) {
      if (bar === undefined) {
        // Loaded on the first update: most commands never draw a bar (see cli/main.ts).
        const { Presets, SingleBar }: typeof import("cli-progress") = require("cli-progress");
        bar = new SingleBar(
          {
            stream,
            format: "{bar} {value}/{total} {label}",
            clearOnComplete: true,
            hideCursor: true,
            barsize: 30,
          },
          Presets.shades_classic,
        );
        bar.start(total, 0, { label: "" });
      }
      bar.setTotal(total);
      bar.update(done, { label });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
