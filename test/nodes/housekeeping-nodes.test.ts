// The housekeeping nodes (`update users`, `create invoices`, `purge sessions`) under Node-RED's
// node test helper, over the services the runtime builds on a real Postgres and Redis: their
// typed input read from the node's settings or the message, the service's work seen in the
// database, the result on the output, the status dots, CF_NODE_INPUT naming the setting and the
// path, and done() once per message.
import { describe, expect, it } from "vitest";
import registerCreateInvoices from "../../nodes/create-invoices/create-invoices";
import registerPurgeSessions from "../../nodes/purge-sessions/purge-sessions";
import registerUpdateUsers from "../../nodes/update-users/update-users";
import { helper, loadNode, type NodeWorld, typed, useNodeWorld } from "../helpers/node-harness";
import { TicketWorld } from "../helpers/tickets";

let world: NodeWorld;
let w: TicketWorld;

useNodeWorld(async (created) => {
  world = created;
  w = new TicketWorld(world.db.sequelize);
});

const input = { fill: "red", shape: "ring", text: "CF_NODE_INPUT" };

describe("update users", () => {
  it("sets offline the users idle longer than the minutes read from the message", async () => {
    const company = await w.company();
    const idle = await w.user(company, { online: true });
    const recent = await w.user(company, { online: true });
    await w.sql.query(
      `UPDATE "Users" SET "updatedAt" = now() - interval '20 minutes' WHERE id = $1`,
      {
        bind: [idle],
      },
    );
    const n = await loadNode(
      registerUpdateUsers,
      "update users",
      typed({ idle: ["payload.minutes", "msg"] }),
      world.context,
    );
    const { sent, error } = await n.receive({ _msgid: "u1", payload: { minutes: 10 } });
    expect(error).toBeUndefined();
    expect(sent?.payload).toEqual({ updated: 1 });
    const online = await w.rows<{ id: number; online: boolean }>(
      `SELECT id, online FROM "Users" WHERE id = ANY($1) ORDER BY id`,
      [[idle, recent]],
    );
    expect(online).toEqual([
      { id: idle, online: false },
      { id: recent, online: true },
    ]);
    expect(n.statuses()).toEqual([
      { fill: "blue", shape: "ring", text: "updating…" },
      { fill: "green", shape: "dot", text: "1 set offline" },
    ]);

    const bad = await n.receive({ _msgid: "u2", payload: { minutes: "soon" } });
    expect(bad.error?.code).toBe("CF_NODE_INPUT");
    expect(bad.error?.message).toBe('idle (msg.payload.minutes) must be a number >= 0, got "soon"');
    expect(bad.outputs).toEqual([[]]);
    expect(n.statuses().at(-1)).toEqual(input);
    expect(n.doneCalls).toHaveLength(2);
  });

  it("uses its default of 5 minutes when the message has no value", async () => {
    const company = await w.company();
    const user = await w.user(company, { online: true });
    await w.sql.query(
      `UPDATE "Users" SET "updatedAt" = now() - interval '6 minutes' WHERE id = $1`,
      {
        bind: [user],
      },
    );
    const n = await loadNode(registerUpdateUsers, "update users", {}, world.context);
    const { sent } = await n.receive({ _msgid: "u3", payload: {} });
    expect(sent?.payload).toEqual({ updated: 1 });
    expect(n.doneCalls).toEqual([undefined]);
  });
});

describe("create invoices", () => {
  it("invoices a company due within the days set, once however often it runs", async () => {
    const company = await w.company();
    await w.sql.query(
      `UPDATE "Plans" SET amount = '99.90' WHERE id = (SELECT "planId" FROM "Companies" WHERE id = $1)`,
      { bind: [company] },
    );
    await w.sql.query(
      `UPDATE "Companies" SET "dueDate" = (now() AT TIME ZONE timezone)::date + 5 WHERE id = $1`,
      { bind: [company] },
    );
    const n = await loadNode(
      registerCreateInvoices,
      "create invoices",
      typed({ within: ["10", "num"] }),
      world.context,
    );
    const first = await n.receive({ _msgid: "i1" });
    expect(first.error).toBeUndefined();
    expect(first.sent?.payload).toEqual({ created: 1, companies: 1 });
    expect(n.statuses().at(-1)).toEqual({ fill: "green", shape: "dot", text: "1 created, 1 due" });
    const again = await n.receive({ _msgid: "i2" });
    expect(again.sent?.payload).toEqual({ created: 0, companies: 1 });
    const invoices = await w.rows<{ status: string; value: string }>(
      `SELECT status, value::text FROM "Invoices" WHERE "companyId" = $1`,
      [company],
    );
    expect(invoices).toEqual([{ status: "open", value: "99.90" }]);
    expect(n.doneCalls).toEqual([undefined, undefined]);
  });

  it("reads the days from an environment variable and refuses a fraction", async () => {
    process.env.CHATIA_NODE_TEST_DAYS = "2.5";
    try {
      const n = await loadNode(
        registerCreateInvoices,
        "create invoices",
        typed({ within: ["CHATIA_NODE_TEST_DAYS", "env"] }),
        world.context,
      );
      const { error, outputs } = await n.receive({ _msgid: "i3" });
      expect(error?.code).toBe("CF_NODE_INPUT");
      expect(error?.message).toBe(
        'within (env.CHATIA_NODE_TEST_DAYS) must be a whole number >= 0, got "2.5"',
      );
      expect(outputs).toEqual([[]]);
      expect(n.statuses()).toEqual([{ fill: "blue", shape: "ring", text: "invoicing…" }, input]);
      expect(n.doneCalls).toHaveLength(1);
    } finally {
      delete process.env.CHATIA_NODE_TEST_DAYS;
    }
  });
});

describe("purge sessions", () => {
  async function session(whatsappId: number, companyId: number): Promise<void> {
    await w.sql.query(
      `INSERT INTO "WhatsappSessions" ("whatsappId", "companyId", creds) VALUES ($1, $2, '{}')`,
      { bind: [whatsappId, companyId] },
    );
  }
  const sessions = async () =>
    (
      await w.rows<{ whatsappId: number }>(`SELECT "whatsappId" FROM "WhatsappSessions" ORDER BY 1`)
    ).map((r) => r.whatsappId);

  it("deletes the state of deleted connections and of ones logged out longer than the days", async () => {
    const company = await w.company();
    const live = await w.connection(company);
    const deleted = await w.connection(company, { deleted: true });
    const loggedOut = await w.connection(company, { status: "DISCONNECTED", updatedDaysAgo: 40 });
    for (const id of [live, deleted, loggedOut]) await session(id, company);

    const keep = await loadNode(
      registerPurgeSessions,
      "purge sessions",
      typed({ days: ["payload.days", "msg"] }),
      world.context,
    );
    const first = await keep.receive({ _msgid: "s1", payload: { days: 60 } });
    expect(first.sent?.payload).toEqual({ deleted: 1 });
    expect(await sessions()).toEqual([live, loggedOut]);
    expect(keep.statuses()).toEqual([
      { fill: "blue", shape: "ring", text: "working…" },
      { fill: "green", shape: "dot", text: "1 purged" },
    ]);
    await helper.unload();

    const purge = await loadNode(registerPurgeSessions, "purge sessions", {}, world.context);
    const second = await purge.receive({ _msgid: "s2" });
    expect(second.sent?.payload).toEqual({ deleted: 1 });
    expect(await sessions()).toEqual([live]);
    expect(purge.doneCalls).toEqual([undefined]);
  });

  it("refuses days that are not a number >= 0", async () => {
    const n = await loadNode(
      registerPurgeSessions,
      "purge sessions",
      typed({ days: ["payload.days", "msg"] }),
      world.context,
    );
    const { error, outputs } = await n.receive({ _msgid: "s3", payload: { days: -1 } });
    expect(error?.message).toBe("days (msg.payload.days) must be a number >= 0, got -1");
    expect(outputs).toEqual([[]]);
    expect(n.statuses().at(-1)).toEqual(input);
    expect(n.doneCalls).toHaveLength(1);
  });
});
