// The campaign nodes (`find campaigns`, `update campaign`, `load campaign`, `expand campaign`,
// `prepare shipping`, `dispatch shipping`) under Node-RED's node test helper, over the services
// the runtime builds on a real Postgres, Bull queues of the repository's jobs.yaml on a Redis
// prefix of the test's own, and the simulated WhatsApp driver: the jobs each hands on, the
// campaign events on their own output, each outcome on its output, every contact's message sent
// once; CF_NODE_INPUT naming the setting and path or the shape wanted; done() once per message.
import { describe, expect, it } from "vitest";
import registerDispatchShipping from "../../nodes/dispatch-shipping/dispatch-shipping";
import registerExpandCampaign from "../../nodes/expand-campaign/expand-campaign";
import registerFindCampaigns from "../../nodes/find-campaigns/find-campaigns";
import registerLoadCampaign from "../../nodes/load-campaign/load-campaign";
import registerPrepareShipping from "../../nodes/prepare-shipping/prepare-shipping";
import registerUpdateCampaign from "../../nodes/update-campaign/update-campaign";
import { contactNumber, createCampaign, createCampaignWorld } from "../helpers/campaigns";
import { helper, loadNode, type NodeWorld, typed, useNodeWorld } from "../helpers/node-harness";

let world: NodeWorld;

useNodeWorld((created) => {
  world = created;
});

const input = { fill: "red", shape: "ring", text: "CF_NODE_INPUT" };
type Msg = Record<string, unknown>;

/** The campaign event a node hands to `emit event`. */
const campaignEvent = (companyId: number, record: Msg) =>
  expect.objectContaining({
    companyId,
    topic: "campaign",
    payload: { action: "update", record: expect.objectContaining(record) },
  });

describe("find campaigns → update campaign → load campaign → expand campaign → dispatch shipping", () => {
  it("runs a campaign from PROGRAMADA to each contact's message sent once", async () => {
    const cw = await createCampaignWorld(world.db.sequelize, { contacts: 2 });
    const id = await createCampaign(world.db.sequelize, cw, {
      scheduledAt: new Date(Date.now() - 1000),
    });

    const find = await loadNode(
      registerFindCampaigns,
      "find campaigns",
      typed({ lookAhead: ["minutes", "flow"], strandedAfter: ["10", "num"] }),
      world.context,
      2,
    );
    find.node.context().flow.set("minutes", 5);
    const found = await find.receive({ _msgid: "f1" });
    expect(found.error).toBeUndefined();
    expect(found.sent?.campaigns).toEqual([id]);
    expect(found.sent?.payload).toEqual([
      expect.objectContaining({ queue: "CampaignQueue", job: "ProcessCampaign", data: { id } }),
    ]);
    expect(found.outputs[1]).toEqual([]);
    expect(find.statuses()).toEqual([
      { fill: "blue", shape: "ring", text: "finding…" },
      { fill: "green", shape: "dot", text: "1 due, 0 stranded" },
    ]);
    const bad = await find.receive({ _msgid: "f2" });
    find.node.context().flow.set("minutes", "soon");
    const soon = await find.receive({ _msgid: "f3" });
    expect(bad.error).toBeUndefined();
    expect(soon.error?.message).toBe('lookAhead (flow.minutes) must be a number >= 0, got "soon"');
    expect(find.statuses().at(-1)).toEqual(input);
    expect(find.doneCalls).toHaveLength(3);
    await helper.unload();

    const update = await loadNode(
      registerUpdateCampaign,
      "update campaign",
      { campaignStatus: "EM_ANDAMENTO", property: "campaigns" },
      world.context,
      2,
    );
    const started = await update.receive(found.sent as Msg);
    expect(started.sent?.payload).toEqual([
      expect.objectContaining({ id, status: "EM_ANDAMENTO" }),
    ]);
    expect(started.outputs[1]).toEqual([
      campaignEvent(cw.companyId, { id, status: "EM_ANDAMENTO" }),
    ]);
    expect(update.statuses()).toEqual([{ fill: "green", shape: "dot", text: "1 → EM_ANDAMENTO" }]);
    const twice = await update.receive(found.sent as Msg);
    expect([twice.sent?.payload, twice.outputs[1]]).toEqual([[], []]);
    const notIds = await update.receive({ _msgid: "u3", campaigns: ["x"] });
    expect(notIds.error?.message).toBe(
      "msg.campaigns must be a campaign id, or an array of ids or of { id }",
    );
    expect(update.doneCalls).toHaveLength(3);
    await helper.unload();

    const load = await loadNode(registerLoadCampaign, "load campaign", {}, world.context, 3);
    const loaded = await load.receive({ _msgid: "l1", payload: { id } });
    expect(loaded.error).toBeUndefined();
    expect(loaded.outputs[0]).toEqual([
      expect.objectContaining({
        payload: expect.objectContaining({
          id,
          status: "EM_ANDAMENTO",
          shippingsLeft: 2,
          expanded: false,
        }),
      }),
    ]);
    expect([loaded.outputs[1], loaded.outputs[2]]).toEqual([[], []]);
    expect(load.statuses()).toEqual([{ fill: "green", shape: "dot", text: "EM_ANDAMENTO" }]);
    const missing = await load.receive({ _msgid: "l2", payload: { id: 999_999 } });
    expect(missing.outputs[1]).toEqual([
      expect.objectContaining({ payload: { id: 999_999, status: "missing" } }),
    ]);
    expect(load.statuses().at(-1)).toEqual({
      fill: "yellow",
      shape: "ring",
      text: "campaign 999999 not found",
    });
    const notId = await load.receive({ _msgid: "l3", payload: { id: "abc" } });
    expect(notId.error?.message).toBe(
      'campaign (msg.payload.id) must be a whole number >= 0, got "abc"',
    );
    expect(load.doneCalls).toHaveLength(3);
    await helper.unload();

    const expand = await loadNode(registerExpandCampaign, "expand campaign", {}, world.context, 2);
    const expanded = await expand.receive(loaded.outputs[0]?.[0] as Msg);
    expect(expanded.error).toBeUndefined();
    expect(expanded.sent?.payload).toEqual({
      campaignId: id,
      companyId: cw.companyId,
      contacts: 2,
      finished: false,
    });
    expect(expanded.outputs[1]).toEqual([]);
    expect(expand.statuses()).toEqual([
      { fill: "blue", shape: "ring", text: "expanding…" },
      { fill: "green", shape: "dot", text: "2 contacts" },
    ]);
    const notLoaded = await expand.receive({ _msgid: "x2", payload: { id } });
    expect(notLoaded.error?.message).toBe("expand campaign needs the output of load campaign");
    expect(expand.doneCalls).toHaveLength(2);
    await helper.unload();
    expect(await world.rows.count("CampaignShipping", { campaignId: id })).toBe(2);

    // The connection's sender, as the DispatchCampaign job expand armed carries it.
    const dispatch = await loadNode(
      registerDispatchShipping,
      "dispatch shipping",
      {},
      world.context,
      2,
    );
    const sent = await dispatch.receive({ _msgid: "d1", payload: { whatsappId: cw.whatsappId } });
    expect(sent.error).toBeUndefined();
    expect(sent.sent?.payload).toMatchObject({
      whatsappId: cw.whatsappId,
      busy: false,
      outcomes: { delivered: 2, failed: 0 },
    });
    expect(sent.outputs[1]).toEqual([campaignEvent(cw.companyId, { id, status: "FINALIZADA" })]);
    expect(dispatch.statuses()).toEqual([
      { fill: "green", shape: "dot", text: "2 delivered, 0 failed" },
    ]);
    const again = await dispatch.receive({ _msgid: "d2", payload: { whatsappId: cw.whatsappId } });
    expect(again.sent?.payload).toMatchObject({ outcomes: { delivered: 0 } });
    const sends = await world.whatsapp.sends({ connectionId: cw.whatsappId });
    expect(sends.map((s) => s.jid).sort()).toEqual(
      [0, 1].map((i) => `${contactNumber(i)}@s.whatsapp.net`).sort(),
    );
    expect(sends.map((s) => s.text).sort()).toEqual([
      "\u200c Olá Contato 0",
      "\u200c Olá Contato 1",
    ]);
    expect(dispatch.doneCalls).toHaveLength(2);
  });

  it("expand campaign: an empty list finishes the campaign and tells the frontend", async () => {
    const cw = await createCampaignWorld(world.db.sequelize, { contacts: 0 });
    const id = await createCampaign(world.db.sequelize, cw, { status: "EM_ANDAMENTO" });
    const loaded = await world.services.campaigns.loadCampaign(id, new Date());
    const expand = await loadNode(registerExpandCampaign, "expand campaign", {}, world.context, 2);
    const { sent, outputs } = await expand.receive({ _msgid: "e1", payload: loaded });
    expect(sent?.payload).toMatchObject({ campaignId: id, contacts: 0, finished: true });
    expect(outputs[1]).toEqual([campaignEvent(cw.companyId, { id, status: "FINALIZADA" })]);
    expect(expand.statuses().at(-1)).toEqual({
      fill: "green",
      shape: "dot",
      text: "empty: FINALIZADA",
    });
  });
});

describe("prepare shipping → dispatch shipping", () => {
  it("prepares one contact's shipping, dispatches it once, and refuses other shapes", async () => {
    const cw = await createCampaignWorld(world.db.sequelize, { contacts: 1 });
    const id = await createCampaign(world.db.sequelize, cw, { status: "EM_ANDAMENTO" });
    await world.services.campaigns.loadCampaign(id, new Date());
    const prepare = await loadNode(
      registerPrepareShipping,
      "prepare shipping",
      {},
      world.context,
      3,
    );
    const prepared = await prepare.receive({
      _msgid: "p1",
      payload: { campaignId: id, contactId: cw.itemIds[0], dueAt: new Date().toISOString() },
    });
    expect(prepared.error).toBeUndefined();
    const result = prepared.outputs[0]?.[0]?.payload as {
      shippingId: number;
      dispatches: { data: Msg }[];
    };
    expect(result.dispatches).toEqual([
      expect.objectContaining({ queue: "CampaignQueue", job: "DispatchCampaign" }),
    ]);
    expect(prepare.statuses()).toEqual([
      { fill: "green", shape: "dot", text: `shipping ${result.shippingId}` },
    ]);
    const stranger = await prepare.receive({
      _msgid: "p2",
      payload: { campaignId: id, contactId: 999_999 },
    });
    expect(stranger.outputs[1]).toEqual([
      expect.objectContaining({ payload: expect.objectContaining({ dispatches: [] }) }),
    ]);
    expect(prepare.statuses().at(-1)).toMatchObject({ fill: "grey", shape: "ring" });
    const noContact = await prepare.receive({ _msgid: "p3", payload: { campaignId: id } });
    expect(noContact.error?.message).toBe("prepare shipping needs { campaignId, contactId }");
    const badPage = await prepare.receive({
      _msgid: "p4",
      payload: { campaignId: id, contacts: [{ contactId: 1 }] },
    });
    expect(badPage.error?.message).toBe(
      "prepare shipping needs contacts as [{ contactId, dueAt }]",
    );
    expect(prepare.statuses().at(-1)).toEqual(input);
    expect(prepare.doneCalls).toHaveLength(4);
    await helper.unload();

    const dispatch = await loadNode(
      registerDispatchShipping,
      "dispatch shipping",
      {},
      world.context,
      2,
    );
    const one = { campaignId: id, campaignShippingId: result.shippingId };
    const first = await dispatch.receive({ _msgid: "d1", payload: one });
    expect(first.sent?.payload).toMatchObject({
      campaignId: id,
      shippingId: result.shippingId,
      outcome: "delivered",
    });
    expect(dispatch.statuses()).toEqual([{ fill: "green", shape: "dot", text: "delivered" }]);
    const again = await dispatch.receive({ _msgid: "d2", payload: one });
    expect(again.sent?.payload).toMatchObject({ shippingId: result.shippingId });
    expect(again.sent?.payload).not.toMatchObject({ outcome: "delivered", alreadySent: false });
    expect(await world.whatsapp.sends({ connectionId: cw.whatsappId })).toHaveLength(1);
    const neither = await dispatch.receive({ _msgid: "d3", payload: { campaignId: id } });
    expect(neither.error?.code).toBe("CF_NODE_INPUT");
    expect(neither.error?.message).toMatch(/^dispatch shipping needs \{ whatsappId \}/);
    expect(neither.outputs).toEqual([[], []]);
    expect(dispatch.statuses().at(-1)).toEqual(input);
    expect(dispatch.doneCalls).toHaveLength(3);
  });
});
