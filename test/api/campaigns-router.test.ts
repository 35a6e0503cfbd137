// Campaign progress and cancel over a real socket, real Postgres rows and a real Redis prefix:
// the counts and ETA, tenancy (another company's campaign is 404), who may cancel, an idempotent
// cancel that removes exactly the campaign's waiting and delayed jobs, bad ids; every response
// checked against the OpenAPI document.
import { readFile } from "node:fs/promises";
import type { Server } from "node:http";
import path from "node:path";
import express, { type RequestHandler } from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateUp } from "../../runtime/adapters/db";
import { SequelizeCampaignProgressStore } from "../../runtime/adapters/db/repositories/campaign-progress-store";
import { compile, type Plan } from "../../runtime/compile";
import { type AuthContext, setAuth } from "../../runtime/http/auth-context";
import { createCampaignsRouter } from "../../runtime/http/routes";
import { parseManifest } from "../../runtime/manifest";
import { QueueRuntime } from "../../runtime/queues/queue-runtime";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { type DocumentedPath, expectDocumented, fillPath } from "../helpers/openapi";
import { createTestRedis, type TestRedis } from "../helpers/redis";
import { type TestRows, testRows } from "../helpers/rows";

const MANIFEST = path.resolve(__dirname, "../fixtures/api-campaigns/jobs.yaml");
const NOW = new Date("2026-03-02T12:00:00Z");
const T0 = new Date("2026-03-02T11:00:00Z").getTime();

let db: TestDatabase;
let data: TestRows;
let redis: TestRedis;
let queues: QueueRuntime;
let plan: Plan;
let server: Server;
let companyA: number;
let companyB: number;
const ids = { running: 0, scheduled: 0, finished: 0, inactive: 0, other: 0, empty: 0 };

/** Test-only authentication: `x-test-auth: admin:1`, `user:2`, `super`. */
const testAuth: RequestHandler = (req, _res, next) => {
  const header = req.get("x-test-auth");
  if (header) {
    const [profile, company] = header.split(":");
    const auth: AuthContext = {
      profile: profile === "user" ? "user" : "admin",
      super: profile === "super",
      via: "access-token",
      ...(company !== undefined && { companyId: Number(company) }),
    };
    setAuth(req, auth);
  }
  next();
};

async function campaignWithList(
  companyId: number,
  status: string,
  items: number,
  settled: { delivered: number; failed: number },
): Promise<number> {
  const list = await data.insert("ContactLists", { name: `list ${status}`, companyId });
  const rows = await data.insertMany<{ id: number; number: string }>(
    "ContactListItems",
    Array.from({ length: items }, (_, i) => ({
      name: `c${i}`,
      number: `55119${String(i).padStart(8, "0")}`,
      contactListId: list.id,
      companyId,
    })),
  );
  const campaign = await data.insert("Campaigns", {
    name: `campaign ${status}`,
    status,
    companyId,
    contactListId: list.id,
  });
  const at = (k: number) => new Date(T0 + k * 10_000);
  await data.insertMany(
    "CampaignShipping",
    rows.slice(0, settled.delivered + settled.failed).map((item, k) => ({
      number: item.number,
      contactId: item.id,
      campaignId: campaign.id,
      ...(k < settled.delivered
        ? { deliveredAt: at(k) }
        : { failedAt: at(k), failureReason: "invalid number" }),
    })),
  );
  return campaign.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateUp(db.sequelize);
  data = testRows(db.sequelize);
  const [a, b] = await data.insertMany("Companies", [{ name: "A" }, { name: "B" }]);
  companyA = a?.id ?? 0;
  companyB = b?.id ?? 0;
  ids.running = await campaignWithList(companyA, "EM_ANDAMENTO", 10, { delivered: 4, failed: 1 });
  ids.scheduled = await campaignWithList(companyA, "PROGRAMADA", 3, { delivered: 0, failed: 0 });
  ids.finished = await campaignWithList(companyA, "FINALIZADA", 5, { delivered: 3, failed: 1 });
  ids.inactive = await campaignWithList(companyA, "INATIVA", 2, { delivered: 0, failed: 0 });
  ids.other = await campaignWithList(companyB, "EM_ANDAMENTO", 4, { delivered: 1, failed: 0 });
  ids.empty = (
    await data.insert("Campaigns", { name: "no list", companyId: companyA, status: "EM_ANDAMENTO" })
  ).id;

  redis = createTestRedis();
  plan = compile(await parseManifest(await readFile(MANIFEST, "utf8"), MANIFEST, { env: {} }));
  queues = await QueueRuntime.open(plan, { url: redis.url, prefix: redis.prefix.slice(0, -1) });
  const app = express();
  app.use(testAuth);
  app.use(
    createCampaignsRouter({
      store: new SequelizeCampaignProgressStore(db.sequelize),
      queues,
      plan: () => plan,
      now: () => NOW,
    }),
  );
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await queues?.close({ waitForJobs: false });
  await redis?.cleanup();
  await db?.drop();
});

async function call(
  method: "get" | "post",
  template: DocumentedPath,
  id: string | number,
  as?: string,
) {
  let req = request(server)[method](fillPath(template, { id }));
  if (as) req = req.set("x-test-auth", as);
  const res = await req;
  expectDocumented(method, template, res);
  return res;
}
const progress = (id: string | number, as = `admin:${companyA}`) =>
  call("get", "/api/campaigns/{id}/progress", id, as);
const cancel = (id: string | number, as = `admin:${companyA}`) =>
  call("post", "/api/campaigns/{id}/cancel", id, as);

describe("GET /api/campaigns/:id/progress", () => {
  it("counts sent, failed and pending of the list, with an ETA at the pace so far", async () => {
    const res = await progress(ids.running, `user:${companyA}`);
    expect(res.status).toBe(200);
    // 5 settled 10 s apart, the last at T0 + 40 s: 5 pending more → T0 + 90 s, before NOW.
    expect(res.body).toEqual({
      id: ids.running,
      status: "EM_ANDAMENTO",
      total: 10,
      sent: 4,
      failed: 1,
      pending: 5,
      eta: NOW.toISOString(),
    });
  });

  it("counts the items of the list's snapshot once taken, not those added after", async () => {
    const running = await data.findOne<{ contactListId: number }>("Campaigns", { id: ids.running });
    const items = await data.find(
      "ContactListItems",
      { contactListId: running?.contactListId ?? 0 },
      ["id DESC"],
    );
    if (running) {
      await data.update("Campaigns", { lastItemId: items[0]?.id ?? null }, { id: running.id });
    }
    await data.insertMany(
      "ContactListItems",
      ["late 1", "late 2"].map((name, k) => ({
        name,
        number: `55119888800${k}`,
        contactListId: running?.contactListId ?? 0,
        companyId: companyA,
      })),
    );
    const res = await progress(ids.running);
    expect(res.body).toMatchObject({ total: 10, pending: 5 });
  });

  it("gives no ETA before two shippings settled, nor for a campaign not running", async () => {
    const scheduled = await progress(ids.scheduled);
    expect(scheduled.body).toMatchObject({ total: 3, sent: 0, pending: 3, eta: null });
    const finished = await progress(ids.finished);
    expect(finished.body).toMatchObject({
      status: "FINALIZADA",
      total: 4,
      sent: 3,
      failed: 1,
      pending: 0,
      eta: null,
    });
    const empty = await progress(ids.empty);
    expect(empty.body).toMatchObject({ total: 0, pending: 0, eta: null });
  });

  it("answers 404 for another company's campaign, as for one that does not exist", async () => {
    const foreign = await progress(ids.other);
    const missing = await progress(2_000_000_000);
    expect([foreign.status, missing.status]).toEqual([404, 404]);
    expect(foreign.body.code).toBe("CF_API_NOT_FOUND");
    const bySuper = await progress(ids.other, "super");
    expect(bySuper.body).toMatchObject({ id: ids.other, sent: 1, total: 4 });
  });

  it("refuses a bad id with 400 and no credentials with 401", async () => {
    for (const bad of ["abc", "0", "-1", "1.5", "99999999999", "1e3"]) {
      const res = await progress(bad);
      expect(res.status, bad).toBe(400);
      expect(res.body.code).toBe("CF_API_BAD_REQUEST");
    }
    const anonymous = await request(server).get(`/api/campaigns/${ids.running}/progress`);
    expect(anonymous.status).toBe(401);
  });
});

describe("POST /api/campaigns/:id/cancel", () => {
  const waiting = async () => {
    const q = queues.queue("CampaignQueue").bull;
    const jobs = [...(await q.getWaiting()), ...(await q.getDelayed())];
    return jobs.map((j) => String(j.id)).sort();
  };

  it("sets CANCELADA and removes the campaign's waiting and delayed jobs, and only those", async () => {
    const id = ids.scheduled;
    const own = [`campaign-${id}`, `campaign-${id}-contact-1`, `campaign-${id}-contact-2`];
    const others = [
      `campaign-${id}0-contact-1`,
      `campaign-${ids.other}-dispatch-1`,
      `x-campaign-${id}-1`,
    ];
    for (const jobId of [...own, ...others])
      await queues.queue("CampaignQueue").bull.add("PrepareContact", {}, { jobId, delay: 60_000 });
    await queues
      .queue("CampaignQueue")
      .bull.add("DispatchCampaign", {}, { jobId: `campaign-${id}-dispatch-1` });
    await queues.queue("Sends").bull.add("Send", {}, { jobId: `campaign-${id}-dispatch-9` });

    const res = await cancel(id);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id, status: "CANCELADA", cancelled: true, removedJobs: 5 });
    expect((await data.findOne("Campaigns", { id }))?.status).toBe("CANCELADA");
    expect(await waiting()).toEqual([...others].sort());
    expect(await queues.queue("Sends").bull.getJob(`campaign-${id}-dispatch-9`)).toBeNull();
  });

  it("is idempotent: a repeat answers 200, changes nothing, removes what appeared since", async () => {
    const id = ids.scheduled;
    await queues
      .queue("CampaignQueue")
      .bull.add("DispatchCampaign", {}, { jobId: `campaign-${id}-dispatch-2`, delay: 1000 });
    const before = (await data.findOne("Campaigns", { id }))?.updatedAt;
    const res = await cancel(id);
    expect(res.body).toEqual({ id, status: "CANCELADA", cancelled: false, removedJobs: 1 });
    expect((await data.findOne("Campaigns", { id }))?.updatedAt).toEqual(before);
    expect((await progress(id)).body).toMatchObject({ status: "CANCELADA", eta: null });
  });

  it("refuses INATIVA and FINALIZADA campaigns with 409", async () => {
    for (const id of [ids.finished, ids.inactive]) {
      const res = await cancel(id);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe("CF_API_CONFLICT");
    }
    expect((await data.findOne("Campaigns", { id: ids.finished }))?.status).toBe("FINALIZADA");
  });

  it("needs an admin of the campaign's company (or a super-admin)", async () => {
    const user = await cancel(ids.running, `user:${companyA}`);
    expect(user.status).toBe(403);
    const foreign = await cancel(ids.other, `admin:${companyA}`);
    expect(foreign.status).toBe(404);
    expect((await data.findOne("Campaigns", { id: ids.other }))?.status).toBe("EM_ANDAMENTO");
    const bySuper = await cancel(ids.other, "super");
    expect(bySuper.body).toMatchObject({ id: ids.other, cancelled: true });
    expect((await cancel("nope")).status).toBe(400);
  });
});
