// The first minutes of a runtime on the repository's own jobs.yaml and flows/, as its log shows
// them at the default `info` level: no warning at start, no access line per request, and a job that
// fails on bad input logged once, with its code and without a stack.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../runtime/observability/logger";
import { repoFixture } from "../../helpers/repo-fixture";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

const lines: Record<string, unknown>[] = [];
const destination = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
    done();
  },
});
let t: TestRuntime;
let startLines: Record<string, unknown>[];

beforeAll(async () => {
  t = await startTestRuntime(await repoFixture(), {
    log: createLogger({ level: "info", destination }),
  });
  startLines = [...lines];
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

async function waitForLine(
  match: (line: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  for (;;) {
    const found = lines.find(match);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("a runtime's log at info", () => {
  it("has no warning or error at start, and says the flows run", () => {
    expect(startLines.filter((l) => (l.level as number) >= 40)).toEqual([]);
    expect(startLines.map((l) => l.msg)).toContain("flows running");
  });

  it("writes no line for the requests it answers", async () => {
    const before = lines.length;
    expect((await fetch(`${t.runtime.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${t.runtime.url}/api/queues`)).status).toBe(401);
    // A later line proves the two requests' lines, had there been any, were already written.
    createLogger({ level: "info", destination }).info("marker");
    await waitForLine((l) => l.msg === "marker");
    expect(lines.slice(before).map((l) => l.msg)).toEqual(["marker"]);
  });

  it("logs a job a node refused (bad input) once, with its code and no stack", async () => {
    // A connection that does not exist: `send whatsapp` cannot tell whose send it is.
    const job = await t.runtime.queues.enqueue("MessageQueue", "SendMessage", {
      whatsappId: 999_999,
      data: { number: "5511999990000", body: "hi" },
    });
    const failed = await waitForLine((l) => l.jobId === String(job.id));
    expect(failed).toMatchObject({
      level: 50,
      msg: "job failed",
      code: "CF_TENANCY_OWNER_UNKNOWN",
    });
    expect(failed.err).not.toHaveProperty("stack");
    createLogger({ level: "info", destination }).info("marker after job");
    await waitForLine((l) => l.msg === "marker after job");
    const about = lines.filter((l) => JSON.stringify(l).includes("CF_TENANCY_OWNER_UNKNOWN"));
    expect(about).toEqual([failed]);
  });
});
