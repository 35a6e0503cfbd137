// Editing jobs.yaml on disk reloads it: a valid edit is applied, an invalid one is refused and the
// running plan stays.
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../runtime/observability/logger";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

/** The runtime's log lines, parsed. */
const lines: Record<string, unknown>[] = [];
const destination = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
    done();
  },
});

let t: TestRuntime;
beforeAll(async () => {
  t = await startTestRuntime(path.resolve(__dirname, "../../fixtures/runtime/echo"), {
    editor: false,
    watchManifest: true,
    log: createLogger({ level: "info", destination }),
  });
});
afterAll(async () => {
  await t?.stop();
});

const timeoutOfEcho = () => t.runtime.plan().queues[0]?.jobs[0]?.timeoutMs;

async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("not reloaded in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("watching jobs.yaml", () => {
  it("applies a valid edit saved by an editor (written to a new file, renamed over the old)", async () => {
    const file = t.config.manifestFile;
    const text = await readFile(file, "utf8");
    await writeFile(`${file}.tmp`, text.replace("timeout: 5000", "timeout: 7000"));
    await rename(`${file}.tmp`, file);
    await eventually(() => timeoutOfEcho() === 7000);
    await expect(
      t.runtime.queues.enqueue("TestQueue", "Echo", { text: "ok" }).then((j) => j.finished()),
    ).resolves.toBe("OK");
  });

  it("keeps the running plan when the edit is invalid", async () => {
    const file = t.config.manifestFile;
    const refusals = () =>
      lines.filter(
        (l) =>
          l.msg ===
          "reload refused: jobs.yaml or a flow it names is invalid; the running configuration stays",
      );
    const before = refusals().length;
    await writeFile(file, (await readFile(file, "utf8")).replace("timeout: 7000", "timeout: -1"));
    // The reload ran and refused the edit (rather than: it has not run yet).
    await eventually(() => refusals().length > before);
    expect(timeoutOfEcho()).toBe(7000);
    await writeFile(file, (await readFile(file, "utf8")).replace("timeout: -1", "timeout: 8000"));
    await eventually(() => timeoutOfEcho() === 8000);
  });
});
