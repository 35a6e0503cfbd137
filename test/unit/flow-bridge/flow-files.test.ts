// The on-disk format of flows: reading a flows folder, the flat array for Node-RED, splitting a deploy
// back into files, and writing them so that unchanged files stay untouched.
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  flowIdOf,
  formatFlowFile,
  formatFlowFileProblem,
  type NodeRedNode,
  readFlowDir,
  splitNodeRedFlows,
  toNodeRedFlows,
  writeFlowDir,
} from "../../../runtime/adapters/node-red/flow-files";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "cf-flows-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const tab = (id: string, label: string): NodeRedNode => ({
  id,
  type: "tab",
  label,
  disabled: false,
  info: "",
});
const node = (id: string, z: string | undefined, type = "change", extra = {}): NodeRedNode => ({
  id,
  type,
  ...(z === undefined ? {} : { z }),
  name: "",
  ...extra,
});
const put = (name: string, content: unknown) =>
  writeFileSync(
    path.join(dir, name),
    typeof content === "string" ? content : JSON.stringify(content),
  );
const messages = async () =>
  (await readFlowDir(dir)).problems.map((p) => formatFlowFileProblem(p, dir));

describe("readFlowDir", () => {
  it("reads one flow per file and the shared config, and flattens them tabs first", async () => {
    put("beta.json", [tab("tb", "beta"), node("b1", "tb")]);
    put("alpha.json", [node("a1", "ta", "inject"), tab("ta", "Alpha"), node("a2", "ta")]);
    put("_config.json", [
      node("cfg", undefined, "tls-config"),
      { id: "sf", type: "subflow", name: "Tidy" },
      node("sf1", "sf"),
    ]);
    put(".hidden.json", "not json");
    put("notes.txt", "ignored");
    const set = await readFlowDir(dir);
    expect(set.problems).toEqual([]);
    expect([...set.flows.keys()].sort()).toEqual(["alpha", "beta"]);
    expect([...set.files].sort()).toEqual(["_config.json", "alpha.json", "beta.json"]);
    expect(toNodeRedFlows(set).map((n) => n.id)).toEqual([
      "ta",
      "tb",
      "a1",
      "a2",
      "b1",
      "cfg",
      "sf",
      "sf1",
    ]);
  });

  it("reads a folder that does not exist as no flows", async () => {
    const set = await readFlowDir(path.join(dir, "missing"));
    expect([set.flows.size, set.config.length, set.problems.length]).toEqual([0, 0, 0]);
  });

  it("reports a JSON syntax error with its line and column, and skips the file", async () => {
    put("broken.json", '[\n  { "id": "t", "type": "tab" }\n  { "id": "n" }\n]');
    put("empty.json", "");
    expect(await messages()).toEqual([
      "broken.json:3:3: is not valid JSON: expected ',' or ']' after array element",
      "empty.json:1:1: is not valid JSON: unexpected end of JSON input",
    ]);
    expect((await readFlowDir(dir)).flows.size).toBe(0);
  });

  it("reports files that are not an array of nodes, or hold no tab or several", async () => {
    put("object.json", { id: "x" });
    put("odd.json", [tab("t", "odd"), 42]);
    put("none.json", [node("n", "t")]);
    put("two.json", [tab("t1", "two"), tab("t2", "Second")]);
    expect(await messages()).toEqual([
      'none.json: has no tab (a node of type "tab"): a flow file holds one Node-RED flow',
      "object.json: is not a JSON array of Node-RED nodes (found an object)",
      'odd.json: element 1 of the array is not a Node-RED node (an object with a string "id" and "type")',
      'two.json: has 2 tabs (tab "two" (t1, tab), tab "Second" (t2, tab)): a flow file holds one',
    ]);
  });

  it("reports nodes that are not on the file's tab, and labels that disagree with the file name", async () => {
    put("flow.json", [
      tab("t", "flow"),
      node("other", "t2"),
      node("global", undefined, "tls-config"),
      { id: "sf", type: "subflow" },
    ]);
    put("named.json", [tab("n", "Something else")]);
    expect(await messages()).toEqual([
      'flow.json: node other (change) has z "t2", another tab than this file\'s tab t',
      "flow.json: node global (tls-config) has no z (it is on no tab): global config nodes belong in _config.json",
      "flow.json: node sf (subflow) is a subflow definition: subflows belong in _config.json",
      'named.json: tab "Something else" (n, tab): it carries no CHATIA_FLOW_ID and its label gives the flow id "something-else", not "named" as the file name says; add CHATIA_FLOW_ID "named" to the tab\'s environment or rename the file',
    ]);
  });

  it("reports a node id used twice, blaming the later file, and a tab in _config.json", async () => {
    put("_config.json", [
      node("shared", undefined, "tls-config"),
      tab("tc", "x"),
      node("loose", "nowhere"),
    ]);
    put("a.json", [tab("ta", "a"), node("dup", "ta")]);
    put("b.json", [tab("tb", "b"), node("dup", "tb"), node("shared", "tb")]);
    const set = await readFlowDir(dir);
    expect(set.problems.map((p) => [path.basename(p.file), p.nodeId, p.message])).toEqual([
      ["_config.json", "tc", 'tab "x" (tc, tab) is a tab: each tab has a flow file of its own'],
      [
        "_config.json",
        "loose",
        'node loose (change) has z "nowhere", which is no subflow of this file: nodes of a tab belong in its flow file',
      ],
      [
        "b.json",
        "dup",
        "node dup (change) has the id of a node in a.json: node ids must be unique across all flow files",
      ],
      [
        "b.json",
        "shared",
        "node shared (change) has the id of a node in _config.json: node ids must be unique across all flow files",
      ],
    ]);
    expect([...set.flows.keys()]).toEqual(["a"]);
    expect(set.config).toEqual([]);
  });

  it("reports a file name that is not a flow id", async () => {
    put("Send Message.json", [tab("t", "Send Message")]);
    expect(await messages()).toEqual([
      'Send Message.json: "Send Message.json" is not a flow file name: use lowercase letters, digits and - (at most 64), then .json',
    ]);
  });
});

describe("flowIdOf", () => {
  it.each([
    ["Send message", "send-message"],
    ["  --Verify   schedules!! ", "verify-schedules"],
    ["Distribuição de tickets", "distribuicao-de-tickets"],
    ["CampaignQueue/DispatchCampaign", "campaignqueue-dispatchcampaign"],
    ["!!!", ""],
  ])("%j → %j", (label, id) => expect(flowIdOf(label)).toBe(id));
});

describe("splitNodeRedFlows", () => {
  it("puts each tab in the file its label names, first, and shared nodes in _config.json", () => {
    const flat = [
      node("n1", "t1", "inject"),
      tab("t1", "Send message"),
      tab("t2", "verify"),
      node("n2", "t2"),
      node("cfg", undefined, "tls-config", { credentials: { password: "secret" } }),
      { id: "sf", type: "subflow", name: "Tidy" },
      node("sf1", "sf"),
      node("n3", "t1", "http request", { credentials: { user: "u", password: "p" } }),
    ];
    const { files, problems } = splitNodeRedFlows(flat);
    expect(problems).toEqual([]);
    const ids = Object.fromEntries(
      [...files].map(([name, nodes]) => [name, nodes.map((n) => n.id)]),
    );
    expect(ids).toEqual({
      "send-message.json": ["t1", "n1", "n3"],
      "verify.json": ["t2", "n2"],
      "_config.json": ["cfg", "sf", "sf1"],
    });
    expect(JSON.stringify([...files.values()])).not.toMatch(/secret|credentials/);
  });

  it("names a tab's file by the CHATIA_FLOW_ID it carries, whatever its label", () => {
    const env = [{ name: "CHATIA_FLOW_ID", type: "str", value: "send-reminder" }];
    const { files, problems } = splitNodeRedFlows([
      { ...tab("t1", "Reminder sender (renamed)"), env },
      node("n1", "t1"),
    ]);
    expect(problems).toEqual([]);
    expect([...files.keys()]).toEqual(["send-reminder.json"]);
    const bad = splitNodeRedFlows([
      { ...tab("t2", "x"), env: [{ ...env[0], value: "Not An Id" }] },
    ]);
    expect(bad.problems.map((p) => p.message)).toEqual([
      "tab 'x' (t2, tab): its CHATIA_FLOW_ID 'Not An Id' is not a flow id (lowercase letters, digits and '-')",
    ]);
  });

  it("writes no _config.json when nothing is shared", () => {
    expect([...splitNodeRedFlows([tab("t", "a")]).files.keys()]).toEqual(["a.json"]);
  });

  it("refuses tabs whose labels give the same flow id or none, and nodes of no tab", () => {
    const long = "x".repeat(65);
    const { problems } = splitNodeRedFlows([
      tab("t1", "Send message"),
      tab("t2", "send-message"),
      tab("t3", "¿?"),
      tab("t4", long),
      node("n1", "t3"),
      node("n2", "gone"),
    ]);
    expect(problems.map((p) => [p.file, p.message])).toEqual([
      [
        "send-message.json",
        "tab 'Send message' (t1, tab) and tab 'send-message' (t2, tab) both give the flow id 'send-message'; rename one of them",
      ],
      [
        "",
        "tab '¿?' (t3, tab): its name gives no flow id; name it with letters or digits, e.g. 'send-message'",
      ],
      [
        `${long}.json`,
        `tab '${long}' (t4, tab): its name gives a flow id of 65 characters; shorten it to 64 at most`,
      ],
      ["_config.json", "node n2 (change) has z 'gone', which is neither a tab nor a subflow"],
    ]);
  });
});

describe("writeFlowDir", () => {
  const files = (entries: Record<string, NodeRedNode[]>) => new Map(Object.entries(entries));
  const past = new Date("2020-01-01T00:00:00Z");
  const mtime = (name: string) => statSync(path.join(dir, name)).mtimeMs;

  it("writes 4-space JSON with a final newline, through a temporary file", async () => {
    const result = await writeFlowDir(dir, files({ "a.json": [tab("t", "a"), node("n", "t")] }));
    const text = readFileSync(path.join(dir, "a.json"), "utf8");
    expect(text).toBe(formatFlowFile([tab("t", "a"), node("n", "t")]));
    expect(text).toMatch(/^\[\n {4}\{\n {8}"id": "t",[\s\S]*\]\n$/);
    expect(result).toEqual({ written: ["a.json"], unchanged: [], deleted: [] });
    expect(readdirSync(dir)).toEqual(["a.json"]);
  });

  it("leaves files whose content is unchanged untouched (same mtime)", async () => {
    const content = files({ "a.json": [tab("t", "a")], "b.json": [tab("u", "b")] });
    await writeFlowDir(dir, content);
    for (const name of ["a.json", "b.json"]) utimesSync(path.join(dir, name), past, past);
    const changed = files({ "a.json": [tab("t", "a")], "b.json": [tab("u", "b"), node("n", "u")] });
    const result = await writeFlowDir(dir, changed);
    expect(result).toEqual({ written: ["b.json"], unchanged: ["a.json"], deleted: [] });
    expect(mtime("a.json")).toBe(past.getTime());
    expect(mtime("b.json")).toBeGreaterThan(past.getTime());
  });

  it("deletes flow files of tabs that are gone, never other files, and only managed ones when told", async () => {
    put("old.json", [tab("o", "old")]);
    put("broken.json", "{ hand edit in progress");
    put("_config.json", []);
    put("README.md", "# flows");
    put("Notes.json", "{}");
    const result = await writeFlowDir(dir, files({ "a.json": [tab("t", "a")] }), {
      managed: ["old.json", "_config.json", "a.json"],
    });
    expect(result.deleted).toEqual(["_config.json", "old.json"]);
    expect(readdirSync(dir).sort()).toEqual(["Notes.json", "README.md", "a.json", "broken.json"]);
    await writeFlowDir(dir, files({ "a.json": [tab("t", "a")] }));
    expect(readdirSync(dir).sort()).toEqual(["Notes.json", "README.md", "a.json"]);
  });

  it("refuses a file name that is not a flow file's", async () => {
    await expect(writeFlowDir(dir, files({ "../escape.json": [] }))).rejects.toThrow(
      '"../escape.json" is not a flow file name',
    );
  });

  it("round-trips: reading, flattening, splitting and writing gives the same bytes", async () => {
    await writeFlowDir(
      dir,
      files({
        "send-message.json": [
          tab("t1", "Send message"),
          node("n1", "t1", "inject", { x: 100, y: 40, wires: [["n2"]] }),
          node("n2", "t1"),
        ],
        "_config.json": [node("cfg", undefined, "tls-config")],
      }),
    );
    const before = Object.fromEntries(
      readdirSync(dir).map((n) => [n, readFileSync(path.join(dir, n), "utf8")]),
    );
    const split = splitNodeRedFlows(toNodeRedFlows(await readFlowDir(dir)));
    expect(split.problems).toEqual([]);
    const result = await writeFlowDir(dir, split.files);
    expect(result.written).toEqual([]);
    expect(
      Object.fromEntries(readdirSync(dir).map((n) => [n, readFileSync(path.join(dir, n), "utf8")])),
    ).toEqual(before);
  });
});
