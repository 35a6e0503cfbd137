// flowChecks through loadManifest: each fixture under test/fixtures/flows/<case>/ is a jobs.yaml and
// its flows/ folder; problems are reported at the job's `flow:` value with the exact message.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { excludedNodeFiles } from "../../../runtime/adapters/node-red/palette";
import { flowChecks, listInstalledNodeTypes } from "../../../runtime/flow-bridge/flow-checks";
import {
  formatProblem,
  loadManifest,
  ManifestError,
  type Problem,
} from "../../../runtime/manifest";

const FIXTURES = path.resolve(__dirname, "../../fixtures/flows");
const AT = "(at /queues/CampaignQueue/jobs/DispatchCampaign/flow)";
const FILE = "flow file flows/dispatch-campaign.json (of CampaignQueue/DispatchCampaign)";

let knownTypes: Set<string>;
beforeAll(async () => {
  // `job in` / `job out` are ours; their .html is not under test here.
  knownTypes = new Set([...(await listInstalledNodeTypes([])), "job in", "job out"]);
});

/** Every problem of the fixture's manifest, as `chatia-flow validate` prints them from its folder. */
async function problemsOf(fixture: string, types = knownTypes): Promise<string[]> {
  const dir = path.join(FIXTURES, fixture);
  const checks = [flowChecks({ flowsDir: "flows", knownTypes: types })];
  try {
    await loadManifest(path.join(dir, "jobs.yaml"), { env: {}, checks });
    return [];
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    return err.format(dir).split("\n");
  }
}

describe("flowChecks", () => {
  it("accepts a flow with its job in, a job out, a subflow and a config node; skips disabled jobs", async () => {
    expect(await problemsOf("valid")).toEqual([]);
  });

  it("accepts a job whose flow file does not exist yet, with a warning: declared, not handled", async () => {
    const dir = path.join(FIXTURES, "missing-file");
    const warnings: Problem[] = [];
    const checks = [flowChecks({ flowsDir: "flows", knownTypes })];
    await loadManifest(path.join(dir, "jobs.yaml"), {
      env: {},
      checks,
      onWarning: (w) => warnings.push(w),
    });
    expect(warnings.map((w) => w.code)).toEqual(["CF_JOB_NOT_HANDLED"]);
    expect(warnings.map((w) => formatProblem(w, dir))).toEqual([
      `jobs.yaml:6:15: CampaignQueue/DispatchCampaign is declared, not handled: ${FILE} does not exist yet; create it in the editor (a tab labelled "dispatch-campaign" with a "job in" node for CampaignQueue/DispatchCampaign) and deploy, or correct the flow name; until then nothing runs the job and enqueueing it is refused ${AT}`,
    ]);
  });

  it("reports a flow without a job in node", async () => {
    expect(await problemsOf("no-job-in")).toEqual([
      `jobs.yaml:6:15: ${FILE} has no "job in" node; add a "job in" node for CampaignQueue/DispatchCampaign ${AT}`,
    ]);
  });

  it("reports a job in node for another job", async () => {
    expect(await problemsOf("job-in-for-another-job")).toEqual([
      `jobs.yaml:6:15: ${FILE}: its "job in" node i-f1 handles CampaignQueue/PrepareContact; set the node's queue to CampaignQueue and its job to DispatchCampaign ${AT}`,
    ]);
  });

  it("reports two job in nodes", async () => {
    expect(await problemsOf("two-job-ins")).toEqual([
      `jobs.yaml:6:15: ${FILE} has 2 "job in" nodes (i-f1 for CampaignQueue/DispatchCampaign, i-f2 for CampaignQueue/ProcessCampaign); keep one "job in" node, for CampaignQueue/DispatchCampaign ${AT}`,
    ]);
  });

  it("reports a job in of another flow for a job that has its flow (it would take the job over)", async () => {
    expect(await problemsOf("stray-entry")).toEqual([
      `jobs.yaml:6:15: flow scratch, node 5c0000000002 (job in): handles CampaignQueue/DispatchCampaign, which flow dispatch-campaign handles already; point it at another job, or delete it (a job has one flow) ${AT}`,
    ]);
  });

  it("reports a flow without a job out node", async () => {
    expect(await problemsOf("no-job-out")).toEqual([
      `jobs.yaml:6:15: ${FILE} has no "job out" node; add a "job out" node where the flow ends, so that runs of CampaignQueue/DispatchCampaign complete ${AT}`,
    ]);
  });

  it("reports unknown node types, missing subflows and unknown config nodes the flow uses", async () => {
    expect(await problemsOf("unknown-node-type")).toEqual([
      `jobs.yaml:6:15: ${FILE}: node "mark" (c-f1, chnage) has a type that is not installed; did you mean "change"? ${AT}`,
      `jobs.yaml:6:15: ${FILE}: node "greet" (w-f1, send whatsapp) has a type that is not installed; install the node module that provides "send whatsapp", or remove the node ${AT}`,
      `jobs.yaml:6:15: ${FILE}: node s-f1 (subflow:gone) uses subflow gone, which is not in flows/_config.json; import the subflow again, or remove the node ${AT}`,
      `jobs.yaml:6:15: ${FILE}: node "events" (broker, mqtt-brokr) in flows/_config.json has a type that is not installed; did you mean "mqtt-broker"? ${AT}`,
    ]);
  });

  it("refuses a node left out of the palette, saying how to bring it back", async () => {
    const palette = await listInstalledNodeTypes([], excludedNodeFiles());
    const types = new Set([...palette, "job in", "job out"]);
    expect(await problemsOf("optional-node", types)).toEqual([
      `jobs.yaml:6:15: ${FILE}: node "list files" (x-f1, exec) has a type that is not installed; "exec" is left out of the palette (it runs shell commands on every worker); CHATIA_OPTIONAL_NODES=exec brings it back on every process ${AT}`,
    ]);
    const withExec = await listInstalledNodeTypes([], excludedNodeFiles(["exec"]));
    expect(await problemsOf("optional-node", new Set([...withExec, "job in", "job out"]))).toEqual(
      [],
    );
  });

  it("reports a disabled flow and a disabled job in node", async () => {
    expect(await problemsOf("disabled-flow")).toEqual([
      `jobs.yaml:6:15: ${FILE} is disabled; enable the flow in the editor, or set enabled: false on the job ${AT}`,
      `jobs.yaml:6:15: ${FILE} has no enabled "job in" node; add a "job in" node for CampaignQueue/DispatchCampaign ${AT}`,
    ]);
  });

  it("reports flow files that cannot be read, with their own line:col", async () => {
    expect(await problemsOf("invalid-file")).toEqual([
      `jobs.yaml:6:15: flows/_config.json (shared by every flow) is not a JSON array of Node-RED nodes (found an object) ${AT}`,
      `jobs.yaml:6:15: flow file flows/dispatch-campaign.json:8:9 (of CampaignQueue/DispatchCampaign) is not valid JSON: expected ',' or '}' after property value ${AT}`,
    ]);
  });
});

describe("flowChecks: loops", () => {
  it("refuses a loop that no delay or trigger node breaks", async () => {
    expect(await problemsOf("loop")).toEqual([
      `jobs.yaml:6:15: ${FILE} loops ("retry count" → "again?" → "retry count") without a delay or trigger node; messages pass between nodes synchronously: put a delay node in the loop, or remove the loop ${AT}`,
    ]);
  });

  it("accepts a loop through a delay node", async () => {
    expect(await problemsOf("loop-with-delay")).toEqual([]);
  });
});
