// The one reader of a node's typed inputs (nodes/shared/typed-input.ts), on a node of a flow
// Node-RED's node test helper runs: each kind the nodes offer (msg, flow, global, env, str, num,
// bool, json, jsonata) read through Node-RED's own evaluation and contexts, empty inputs, paths
// through missing objects, and CF_NODE_INPUT naming the setting and where it was read.
import type { Node, NodeAPI } from "node-red";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  describeInput,
  readInput,
  readInputs,
  readNumber,
  typedInput,
} from "../../nodes/shared/typed-input";
import type { ChatiaNodeContext } from "../../runtime/flow-bridge/node-context";
import { helper } from "../helpers/node-harness";

let RED: NodeAPI;
let node: Node;

/** A node type that does nothing: the test reads inputs as its node. */
function registerProbe(red: NodeAPI) {
  RED = red;
  red.nodes.registerType("probe", function (this: Node, config) {
    red.nodes.createNode(this, config);
  });
}

beforeAll(async () => {
  process.env.CHATIA_TYPED_INPUT_TEST = "41";
  helper.settings({ chatia: {} as ChatiaNodeContext });
  await helper.load(registerProbe, [
    {
      id: "f1",
      type: "tab",
      label: "typed inputs",
      env: [{ name: "TAB_LIMIT", value: "7", type: "num" }],
    },
    { id: "p1", z: "f1", type: "probe", wires: [] },
  ]);
  node = helper.getNode("p1") as unknown as Node;
  node.context().flow.set("limit", 12);
  node.context().global.set("company", { id: 3 });
});

afterAll(async () => {
  delete process.env.CHATIA_TYPED_INPUT_TEST;
  await helper.unload();
});

const msg = { _msgid: "m", payload: { companyId: 5, data: { number: "5511" }, list: [1, 2] } };
const read = (setting: string, value: string | undefined, type: string | undefined) =>
  readInput(RED, node, msg, { setting, value, type });

describe("readInput", () => {
  it("reads every kind through Node-RED's evaluation and contexts", async () => {
    expect(await read("company", "payload.companyId", "msg")).toBe(5);
    expect(await read("company", "payload.data.number", undefined)).toBe("5511");
    expect(await read("limit", "limit", "flow")).toBe(12);
    expect(await read("company", "company.id", "global")).toBe(3);
    expect(await read("limit", "CHATIA_TYPED_INPUT_TEST", "env")).toBe("41");
    expect(await read("limit", "TAB_LIMIT", "env")).toBe(7);
    expect(await read("text", "Olá", "str")).toBe("Olá");
    expect(await read("text", "", "str")).toBe("");
    expect(await read("limit", "2.5", "num")).toBe(2.5);
    expect(await read("group", "true", "bool")).toBe(true);
    expect(await read("event", '{"a":[1]}', "json")).toEqual({ a: [1] });
    expect(await read("event", "$sum(payload.list) + 1", "jsonata")).toBe(4);
  });

  it("gives undefined for an empty input and for a msg path through a missing object", async () => {
    expect(await read("company", "", "msg")).toBeUndefined();
    expect(await read("company", undefined, "num")).toBeUndefined();
    expect(await read("to", "payload.nothing.number", "msg")).toBeUndefined();
    expect(await read("limit", "nothing", "flow")).toBeUndefined();
  });

  it("fails with CF_NODE_INPUT naming the setting and what it read when Node-RED cannot", async () => {
    await expect(read("event", "{not json", "json")).rejects.toMatchObject({
      code: "CF_NODE_INPUT",
      message: expect.stringMatching(/^event \(json\.\{not json\) could not be read: /),
    });
    await expect(read("event", "$sum(", "jsonata")).rejects.toMatchObject({
      code: "CF_NODE_INPUT",
      message: expect.stringMatching(/^event \(jsonata\.\$sum\(\) could not be read: /),
    });
  });
});

describe("typedInput, describeInput and readInputs", () => {
  const config = {
    company: "payload.companyId",
    companyType: "msg",
    to: "payload.data.number",
    toType: "msg",
    limit: "9",
    limitType: "num",
  };

  it("take a setting's value and kind from a node's settings", async () => {
    expect(typedInput(config, "to")).toEqual({
      setting: "to",
      value: "payload.data.number",
      type: "msg",
    });
    expect(describeInput(typedInput(config, "company"))).toBe("company (msg.payload.companyId)");
    expect(describeInput(typedInput(config, "limit"))).toBe('limit ("9")');
    expect(await readInputs(RED, node, msg, config, ["company", "to", "limit"])).toEqual({
      company: 5,
      to: "5511",
      limit: 9,
    });
  });
});

describe("readNumber", () => {
  const number = (value: string, type: string, whole = false) =>
    readNumber(RED, node, msg, { setting: "idle", value, type, fallback: 30, whole });

  it("reads numbers and numeric text, and the fallback when nothing is set", async () => {
    expect(await number("4", "num")).toBe(4);
    expect(await number("payload.companyId", "msg", true)).toBe(5);
    expect(await number("payload.data.number", "msg")).toBe(5511);
    expect(await number("limit", "flow")).toBe(12);
    expect(await number("", "num")).toBe(30);
    expect(await number("payload.none", "msg")).toBe(30);
  });

  it("refuses what is not a (whole) number >= 0, naming the setting and the path", async () => {
    await expect(number("payload.list", "msg")).rejects.toMatchObject({
      code: "CF_NODE_INPUT",
      message: "idle (msg.payload.list) must be a number >= 0, got [1,2]",
    });
    await expect(number("-1", "num")).rejects.toMatchObject({
      message: 'idle ("-1") must be a number >= 0, got -1',
    });
    await expect(number("2.5", "num", true)).rejects.toMatchObject({
      message: 'idle ("2.5") must be a whole number >= 0, got 2.5',
    });
  });
});
