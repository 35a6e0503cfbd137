// Each break of issue 17 that the editor used to deploy "successfully" is refused at deploy, whole,
// with a message saying what is wrong and what to do, on the repository's own jobs.yaml and flows/:
// a flow without `job out`, a loop, a second `job in` taking over MessageQueue/SendMessage, a
// disabled flow, a deleted flow. Nothing is written to flows/ and the running flows stay.
import { readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { editorToken, tryDeploy } from "../../helpers/editor";
import { projectFixture } from "../../helpers/project";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";

type Node = Record<string, unknown>;
/** Ids in flows/send-message.json. */
const TAB = "5e4d0000";
const SEND_NODE = "5e4d0003";

let fixture: string;
let t: TestRuntime;
let token: string;

beforeAll(async () => {
  fixture = await projectFixture();
  t = await startTestRuntime(fixture);
  token = await editorToken(t.runtime.url as string, t.config.admin.password);
}, 60_000);
afterAll(async () => {
  await t?.stop();
  if (fixture) await rm(fixture, { recursive: true, force: true });
});

async function flowFiles(): Promise<Record<string, string>> {
  const dir = path.join(t.dir, "flows");
  const names = (await readdir(dir)).sort();
  return Object.fromEntries(
    await Promise.all(names.map(async (n) => [n, await readFile(path.join(dir, n), "utf8")])),
  );
}

/** Deploys `edit` of the running flows; expects it refused with `message`, and nothing written. */
async function refused(edit: (flows: Node[]) => void, message: RegExp): Promise<void> {
  const before = await flowFiles();
  const { status, body } = await tryDeploy(t.runtime.url as string, token, edit);
  expect(status).toBe(400);
  expect(body.code).toBe("CF_FLOW_DEPLOY_REFUSED");
  expect(body.message).toMatch(/^deploy refused, nothing was saved: /);
  expect(body.message).toMatch(message);
  expect(await flowFiles()).toEqual(before);
}

const node = (flows: Node[], id: string): Node => {
  const found = flows.find((n) => n.id === id);
  if (!found) throw new Error(`no node ${id} in the running flows`);
  return found;
};

describe("breaks refused at deploy", () => {
  it("a flow without job out (the job would hang until its timeout)", async () => {
    await refused(
      (flows) =>
        flows.splice(0, flows.length, ...flows.filter((n) => n.type !== "job out" || n.z !== TAB)),
      /flows\/send-message\.json \(of MessageQueue\/SendMessage\) has no "job out" node; /,
    );
  });

  it("a loop without a delay", async () => {
    await refused((flows) => {
      (node(flows, SEND_NODE).wires as string[][])[0]?.push(SEND_NODE);
    }, /send-message\.json \(of MessageQueue\/SendMessage\) loops \(.*\) without a delay or trigger node; .*put a delay node in the loop, or remove the loop/);
  });

  it("a job in of another flow switched to MessageQueue/SendMessage (it would take the job over)", async () => {
    await refused((flows) => {
      const entry = flows.find(
        (n) => n.type === "job in" && n.job === "Verify" && n.queue === "ScheduleMonitor",
      );
      if (!entry) throw new Error("no job in for ScheduleMonitor/Verify");
      Object.assign(entry, { queue: "MessageQueue", job: "SendMessage" });
    }, /flow verify-schedules, node .* handles MessageQueue\/SendMessage, which flow send-message handles already; point it at another job, or delete it/);
  });

  it("a second job in for MessageQueue/SendMessage, on a new tab", async () => {
    await refused((flows) => {
      flows.push(
        { id: "c0ffee0000000001", type: "tab", label: "scratch", disabled: false, info: "" },
        {
          id: "c0ffee0000000002",
          type: "job in",
          z: "c0ffee0000000001",
          name: "",
          queue: "MessageQueue",
          job: "SendMessage",
          x: 100,
          y: 80,
          wires: [[]],
        },
      );
    }, /flow scratch, node c0ffee0000000002 \(job in\): handles MessageQueue\/SendMessage, which flow send-message handles already/);
  });

  it("a disabled flow that the manifest names", async () => {
    await refused((flows) => {
      node(flows, TAB).disabled = true;
    }, /flows\/send-message\.json \(of MessageQueue\/SendMessage\) is disabled; enable the flow in the editor, or set enabled: false on the job/);
  });

  it("a deleted flow that the manifest names", async () => {
    await refused(
      (flows) => flows.splice(0, flows.length, ...flows.filter((n) => n.id !== TAB && n.z !== TAB)),
      /the deploy removes flow send-message, which handles MessageQueue\/SendMessage; keep the flow, or remove or disable the job in jobs\.yaml first/,
    );
  });
});

describe("a flow keeps its identity", () => {
  it("renaming a tab changes its label only: same file, the job still handled", async () => {
    const before = await flowFiles();
    const { status } = await tryDeploy(t.runtime.url as string, token, (flows) => {
      node(flows, TAB).label = "Envio de mensagens (MessageQueue)";
    });
    expect(status).toBe(200);
    const after = await flowFiles();
    expect(Object.keys(after)).toEqual(Object.keys(before));
    const tab = (JSON.parse(after["send-message.json"] ?? "[]") as Node[])[0];
    expect(tab).toMatchObject({
      label: "Envio de mensagens (MessageQueue)",
      env: [{ name: "CHATIA_FLOW_ID", type: "str", value: "send-message" }],
    });
    for (const name of Object.keys(before))
      if (name !== "send-message.json") expect(after[name], name).toBe(before[name]);
    const job = await t.runtime.queues.enqueue("MessageQueue", "SendMessage", {
      whatsappId: 999_999,
      data: { number: "5511999990000", body: "still handled" },
    });
    // An unknown connection fails the job in the flow's send node, which proves a flow ran it.
    await expect(job.finished()).rejects.toThrow(/999999|connection/i);
  });
});
