// A sweep of 100 job ids and 100 campaign ids across two companies through every endpoint that
// shows or touches a company's rows (the queue API, the campaign API, Bull Board, socket.io), as
// each company's admin logged in for real: each sees and touches its own rows, all of them, and
// never the other company's — a foreign id answers as a missing one, and no answer carries the
// other company's data.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Campaign,
  CampaignShipping,
  Company,
  ContactList,
  ContactListItem,
  initModels,
  User,
} from "../../../runtime/adapters/db";
import { hashPassword } from "../../../runtime/cli/commands/db";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";
import { type CompanySocket, connectCompanySocket } from "../../helpers/socket";

const PASSWORD = "sweep-password-123";
const N = 100;
const QUEUE = "EventsQueue";
let t: TestRuntime;
let url: string;
const company = { A: 0, B: 0 };
const token = { A: "", B: "", super: "" };
/** Job id → owning company key; campaign id → owning company key. */
const jobs = new Map<string, "A" | "B">();
const campaigns = new Map<number, "A" | "B">();
const sockets: CompanySocket[] = [];

const secret = (who: "A" | "B", i: number) => `secret-${who}-${i}`;
const other = (who: "A" | "B") => (who === "A" ? "B" : "A");

async function login(email: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

async function call(who: "A" | "B" | "super", route: string, init: RequestInit = {}) {
  const res = await fetch(`${url}${route}`, {
    ...init,
    headers: { authorization: `Bearer ${token[who]}`, "content-type": "application/json" },
  });
  const text = await res.text();
  return { status: res.status, text, body: text.startsWith("{") ? JSON.parse(text) : undefined };
}

/** No answer to `who` may carry a row of the other company. */
function expectNoLeak(who: "A" | "B", text: string): void {
  expect(text).not.toContain(`secret-${other(who)}-`);
  expect(text).not.toContain(`campaign of ${other(who)}`);
}

beforeAll(async () => {
  t = await startTestRuntime(path.resolve(__dirname, "../../fixtures/runtime/events"), {
    role: "api",
    editor: false,
  });
  url = t.runtime.url ?? "";
  initModels(t.db.sequelize);
  const [a, b] = await Company.bulkCreate([{ name: "A" }, { name: "B" }]);
  company.A = a?.id ?? 0;
  company.B = b?.id ?? 0;
  const passwordHash = await hashPassword(PASSWORD);
  await User.bulkCreate([
    { name: "Ana", email: "ana@a.test", passwordHash, profile: "admin", companyId: company.A },
    { name: "Bia", email: "bia@b.test", passwordHash, profile: "admin", companyId: company.B },
    {
      name: "Root",
      email: "root@ops.test",
      passwordHash,
      profile: "admin",
      companyId: company.A,
      super: true,
    },
  ]);
  token.A = await login("ana@a.test");
  token.B = await login("bia@b.test");
  token.super = await login("root@ops.test");

  const queue = t.runtime.queues.queue(QUEUE);
  for (let i = 0; i < N; i++) {
    const who = i % 2 === 0 ? "A" : "B";
    const jobId = `sweep-${i}`;
    // A quarter delayed (promote applies), the rest waiting.
    await queue.add(
      "Announce",
      { companyId: company[who], text: secret(who, i) },
      { jobId, ...(i % 4 < 2 && { delay: 3_600_000 }) },
    );
    jobs.set(jobId, who);
  }
  for (const who of ["A", "B"] as const) {
    const list = await ContactList.create({ name: `list ${who}`, companyId: company[who] });
    const item = await ContactListItem.create({
      name: secret(who, 0),
      number: "5511900000000",
      contactListId: list.id,
      companyId: company[who],
    });
    for (let k = 0; k < N / 2; k++) {
      const c = await Campaign.create({
        name: `campaign of ${who} ${k}`,
        status: "EM_ANDAMENTO",
        companyId: company[who],
        contactListId: list.id,
      });
      await CampaignShipping.create({
        number: item.number,
        contactId: item.id,
        campaignId: c.id,
        deliveredAt: new Date(),
      });
      campaigns.set(c.id, who);
    }
  }
  for (const who of ["A", "B"] as const)
    sockets.push(await connectCompanySocket({ url, token: token[who], companyId: company[who] }));
}, 120_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await t?.stop();
});

const own = (who: "A" | "B") => [...jobs].filter(([, w]) => w === who).map(([id]) => id);

describe.each(["A", "B"] as const)("company %s", (who) => {
  it("lists exactly its own jobs in every state, across pages", async () => {
    const seen: string[] = [];
    for (const state of ["waiting", "delayed"]) {
      for (let page = 1; ; page++) {
        const res = await call(
          who,
          `/api/queues/${QUEUE}/jobs?state=${state}&page=${page}&pageSize=7`,
        );
        expect(res.status).toBe(200);
        expectNoLeak(who, res.text);
        const ids = (res.body.jobs as { id: string }[]).map((j) => j.id);
        seen.push(...ids);
        if (ids.length < 7) break;
      }
    }
    expect(seen.sort()).toEqual(own(who).sort());
  });

  it("reads its own jobs by id, and gets 404 for each of the other company's", async () => {
    for (const [id, owner] of jobs) {
      const res = await call(who, `/api/queues/${QUEUE}/jobs/${id}`);
      expectNoLeak(who, res.text);
      if (owner === who) {
        expect(res.status, id).toBe(200);
        expect(res.body.data.companyId).toBe(company[who]);
      } else {
        expect(res.status, id).toBe(404);
        expect(res.body.code).toBe("CF_API_NOT_FOUND");
      }
    }
  });

  it("cannot retry, remove or promote the other company's jobs, nor enqueue for it", async () => {
    const foreign = own(other(who));
    for (const id of foreign) {
      for (const action of ["retry", "remove", "promote"]) {
        const res = await call(who, `/api/queues/${QUEUE}/jobs/${id}/${action}`, {
          method: "POST",
        });
        expect(res.status, `${action} ${id}`).toBe(404);
        expectNoLeak(who, res.text);
      }
    }
    const queue = t.runtime.queues.queue(QUEUE);
    for (const id of foreign) {
      const job = await queue.getJob(id);
      expect(job?.data.companyId, id).toBe(company[other(who)]);
    }
    const delayed = await queue.getDelayed();
    expect(delayed.filter((j) => jobs.get(String(j.id)) === other(who))).toHaveLength(N / 4);
    const enqueue = await call(who, `/api/queues/${QUEUE}/jobs`, {
      method: "POST",
      body: JSON.stringify({
        name: "Announce",
        data: { companyId: company[other(who)], text: "x" },
      }),
    });
    expect(enqueue.status).toBe(403);
  });

  it("sees the progress of its own campaigns, and 404 for each of the other's", async () => {
    for (const [id, owner] of campaigns) {
      const res = await call(who, `/api/campaigns/${id}/progress`);
      expectNoLeak(who, res.text);
      expect(res.status, String(id)).toBe(owner === who ? 200 : 404);
      if (owner === who) expect(res.body).toMatchObject({ id, sent: 1, total: 1 });
    }
  });

  it("cannot cancel the other company's campaigns", async () => {
    const foreign = [...campaigns].filter(([, w]) => w !== who).map(([id]) => id);
    for (const id of foreign) {
      const res = await call(who, `/api/campaigns/${id}/cancel`, { method: "POST" });
      expect(res.status, String(id)).toBe(404);
    }
    const statuses = await Campaign.findAll({ where: { id: foreign }, attributes: ["status"] });
    expect(new Set(statuses.map((c) => c.status))).toEqual(new Set(["EM_ANDAMENTO"]));
  });

  it("sees only its own jobs in Bull Board, and 404 for the other company's by id", async () => {
    const seen: string[] = [];
    for (const status of ["waiting", "delayed"]) {
      const res = await call(
        who,
        `/admin/queues/api/queues?activeQueue=${QUEUE}&status=${status}&page=1&jobsPerPage=100`,
      );
      expect(res.status).toBe(200);
      expectNoLeak(who, res.text);
      const queue = (res.body.queues as { name: string; jobs: { id: string }[] }[]).find(
        (q) => q.name === QUEUE,
      );
      seen.push(...(queue?.jobs ?? []).map((j) => String(j.id)));
    }
    expect(seen.sort()).toEqual(own(who).sort());
    for (const [id, owner] of jobs) {
      for (const suffix of ["", "/logs"]) {
        const res = await call(who, `/admin/queues/api/queues/${QUEUE}/${id}${suffix}`);
        expectNoLeak(who, res.text);
        expect(res.status, `${id}${suffix}`).toBe(owner === who ? 200 : 404);
      }
    }
  });
});

describe("a super-admin", () => {
  it("sees both companies' jobs and campaigns", async () => {
    const res = await call("super", `/api/queues/${QUEUE}/jobs?state=waiting&pageSize=100`);
    expect(res.body.total).toBe(N / 2);
    for (const id of [...campaigns.keys()].slice(0, 4)) {
      expect((await call("super", `/api/campaigns/${id}/progress`)).status).toBe(200);
    }
  });
});

describe("events", () => {
  it("a company's cancel reaches its own socket only", async () => {
    const [socketA, socketB] = sockets;
    const id = [...campaigns].find(([, w]) => w === "A")?.[0] ?? 0;
    const res = await call("A", `/api/campaigns/${id}/cancel`, { method: "POST" });
    expect(res.body).toMatchObject({ id, cancelled: true });
    const [event] = (await socketA?.waitFor(`company-${company.A}-campaign`)) ?? [];
    expect(event).toMatchObject({ action: "update", record: { id, status: "CANCELADA" } });
    await new Promise((r) => setTimeout(r, 200));
    expect(socketB?.names()).toEqual([]);
  });
});
