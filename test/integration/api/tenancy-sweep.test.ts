// A tenancy sweep over the repository's own jobs.yaml: two companies, every queue and job of the
// manifest, jobs added both through the runtime (stamped with their owner) and raw through Bull
// without a companyId (as ChatIA's backend adds them), plus system jobs (cron runs and triggers,
// jobs whose owner does not resolve). Every surface — each REST route, Bull Board under many
// spellings of its paths, socket.io — is asked as a company admin, an attendant, an API token and
// a super-admin: a company sees exactly its own jobs and never a byte of another's or a system
// job's; a foreign or system job is a 404 to every action; an enqueue that references another
// company's row, or starts a job a company may not start, enqueues nothing.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { BullJob } from "../../../runtime/adapters/bull/bull-queue-adapter";
import { SequelizeAuthStore } from "../../../runtime/adapters/db/repositories/auth-store";
import { hashPassword } from "../../../runtime/cli/commands/db";
import { AuthService } from "../../../runtime/http/auth";
import { repoFixture } from "../../helpers/repo-fixture";
import { testRows } from "../../helpers/rows";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";
import { type CompanySocket, connectCompanySocket } from "../../helpers/socket";

// Thousands of requests per test: minutes on a loaded 2-core machine.
vi.setConfig({ testTimeout: 300_000 });

type Co = "A" | "B";
type Who = `${Co}-admin` | `${Co}-user` | `${Co}-token` | "super";
const STATES = ["waiting", "active", "delayed", "completed", "failed", "paused"] as const;
const PASSWORD = "sweep-password-123";
const CALLERS: Who[] = ["A-admin", "A-user", "A-token", "B-admin", "B-user", "B-token", "super"];
const ADMINS: Who[] = ["A-admin", "A-token", "B-admin", "B-token"];

let t: TestRuntime;
let url: string;
const token = {} as Record<Who, string>;
/** Each company's rows. */
const rows = {} as Record<
  Co,
  {
    companyId: number;
    whatsappId: number;
    scheduleId: number;
    campaignId: number;
    itemId: number;
    shippingId: number;
  }
>;
/** Every job the sweep added: queue, id, and its owner ("S" for a system job). */
const added: { queue: string; id: string; owner: Co | "S"; state: string }[] = [];
const sockets = {} as Record<Co, CompanySocket>;

const coOf = (who: Who): Co | undefined => (who === "super" ? undefined : (who[0] as Co));
const other = (co: Co): Co => (co === "A" ? "B" : "A");

async function call(who: Who | undefined, route: string, init: RequestInit = {}) {
  const res = await fetch(`${url}${route}`, {
    ...init,
    headers: {
      ...(who && { authorization: `Bearer ${token[who]}` }),
      "content-type": "application/json",
    },
  });
  const text = await res.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  return { status: res.status, text, body };
}

/**
 * No answer to a company's caller may carry another company's job or row, or a system job (the id
 * the caller asked for, echoed in a 404's message, is the caller's own input).
 */
function expectNoLeak(who: Who, answer: string, where: string, asked?: string): void {
  const co = coOf(who);
  if (!co) return;
  const text = asked === undefined ? answer : answer.split(asked).join("");
  expect(text, where).not.toContain(`sw-${other(co)}-`);
  expect(text, where).not.toContain(`secret-${other(co)}`);
  expect(text, where).not.toContain("sw-S-");
  expect(text, where).not.toContain("repeat:");
  expect(text, where).not.toMatch(/redis_version|used_memory|addr=|"workers":\s*\[\s*\{/);
}

/** The ids a caller must see in a queue and state. */
function expected(who: Who, queue: string, state: string): string[] {
  const co = coOf(who);
  return added
    .filter((j) => j.queue === queue && j.state === state && (co === undefined || j.owner === co))
    .map((j) => j.id)
    .sort();
}

const sweepIds = (ids: string[]) => ids.filter((id) => id.startsWith("sw-")).sort();

/** The payload of each job of jobs.yaml for a company's rows; undefined for a cron's job. */
function payload(
  queue: string,
  name: string,
  co: Co,
  n: number,
): Record<string, unknown> | undefined {
  const r = rows[co];
  switch (`${queue}/${name}`) {
    case "MessageQueue/SendMessage":
      return {
        whatsappId: r.whatsappId,
        data: { number: "5511900000001", body: `secret-${co}-${n}`, mediaPath: "promo.pdf" },
      };
    case "SendSacheduledMessages/SendMessage":
      return { scheduleId: r.scheduleId, sendAt: new Date(Date.now() + n * 1000).toISOString() };
    case "CampaignQueue/ProcessCampaign":
      return { id: r.campaignId };
    case "CampaignQueue/PrepareContact":
      return { campaignId: r.campaignId, contactId: r.itemId };
    case "CampaignQueue/DispatchCampaign":
      return {
        campaignId: r.campaignId,
        campaignShippingId: r.shippingId,
        contactListItemId: r.itemId,
      };
    default:
      return undefined;
  }
}

const DELAY = 3_600_000;

async function addJobs(): Promise<void> {
  const queues = t.runtime.queues;
  // First (while it is alone in its wait list, to take it as a worker would): a failed job of
  // each company in SendSacheduledMessages, a queue without a cron.
  const scheduled = queues.queue("SendSacheduledMessages").bull;
  for (const co of ["A", "B"] as const) {
    const id = `sw-${co}-failed`;
    await scheduled.add("SendMessage", payload("SendSacheduledMessages", "SendMessage", co, 9), {
      jobId: id,
    });
    const job = (await scheduled.getNextJob()) as BullJob;
    expect(String(job.id)).toBe(id);
    await job.moveToFailed({ message: `secret-${co} failed` }, true);
    added.push({ queue: "SendSacheduledMessages", id, owner: co, state: "failed" });
  }
  const jobs = t.runtime.plan().queues.flatMap((q) => q.jobs.map((j) => [q.name, j.name] as const));
  expect(jobs).toHaveLength(14);
  for (const [queue, name] of jobs) {
    const bull = queues.queue(queue).bull;
    for (const co of ["A", "B"] as const) {
      const data = payload(queue, name, co, added.length);
      const owner = data ? co : "S";
      const base = `sw-${owner}-${queue}-${name}`;
      const runtimeData = data ?? {};
      // Through the runtime (as its services and nodes add jobs): stamped with the owner.
      const viaRuntime = await queues.enqueue(queue, name, runtimeData, {
        jobId: `${base}-runtime-${co}`,
        delayMs: DELAY,
      });
      const stamped = viaRuntime.data as { companyId?: number };
      if (data) expect(stamped.companyId, viaRuntime.id as string).toBe(rows[co].companyId);
      else expect(stamped.companyId).toBeUndefined();
      added.push({ queue, id: String(viaRuntime.id), owner, state: "delayed" });
      // Raw through Bull, without companyId, as ChatIA's backend adds them.
      const raw = await bull.add(name, runtimeData, { jobId: `${base}-raw-${co}` });
      added.push({ queue, id: String(raw.id), owner, state: "waiting" });
    }
  }
  // DispatchCampaign's other shape, a connection's campaign sender, owned by its connection.
  const campaigns = queues.queue("CampaignQueue").bull;
  for (const co of ["A", "B"] as const) {
    const base = `sw-${co}-CampaignQueue-DispatchCampaign-sender`;
    const sender = { whatsappId: rows[co].whatsappId };
    const viaRuntime = await queues.enqueue("CampaignQueue", "DispatchCampaign", sender, {
      jobId: `${base}-runtime`,
      delayMs: DELAY,
    });
    expect((viaRuntime.data as { companyId?: number }).companyId).toBe(rows[co].companyId);
    added.push({ queue: "CampaignQueue", id: `${base}-runtime`, owner: co, state: "delayed" });
    await campaigns.add("DispatchCampaign", sender, { jobId: `${base}-raw` });
    added.push({ queue: "CampaignQueue", id: `${base}-raw`, owner: co, state: "waiting" });
  }
  // Jobs whose owner does not resolve are system jobs: a connection that does not exist, and a
  // companyId that is not the company of the connection referenced.
  const messages = queues.queue("MessageQueue").bull;
  const orphan = { whatsappId: 999_999, data: { number: "5511900000002", body: "secret-S" } };
  const claim = { ...payload("MessageQueue", "SendMessage", "B", 0), companyId: rows.A.companyId };
  for (const [id, data] of [
    ["sw-S-orphan", orphan],
    ["sw-S-conflict", claim],
  ] as const) {
    await messages.add("SendMessage", data, { jobId: id });
    added.push({ queue: "MessageQueue", id, owner: "S", state: "waiting" });
  }
  const senderClaim = { whatsappId: rows.B.whatsappId, companyId: rows.A.companyId };
  await campaigns.add("DispatchCampaign", senderClaim, { jobId: "sw-S-sender-conflict" });
  added.push({ queue: "CampaignQueue", id: "sw-S-sender-conflict", owner: "S", state: "waiting" });
}

async function createRows(): Promise<void> {
  const dbRows = testRows(t.db.sequelize);
  const passwordHash = await hashPassword(PASSWORD);
  for (const co of ["A", "B"] as const) {
    const companyId = (await dbRows.insert("Companies", { name: `Empresa ${co}` })).id;
    const whatsappId = (
      await dbRows.insert("Whatsapps", {
        name: `W${co}`,
        companyId,
        status: "CONNECTED",
        isDefault: true,
      })
    ).id;
    const contactId = (
      await dbRows.insert("Contacts", {
        name: `secret-${co}-contact`,
        number: "5511900000001",
        companyId,
      })
    ).id;
    const scheduleId = (
      await dbRows.insert("Schedules", {
        body: `secret-${co}-schedule`,
        sendAt: new Date(Date.now() + 30 * 86_400_000),
        contactId,
        companyId,
        whatsappId,
      })
    ).id;
    const listId = (await dbRows.insert("ContactLists", { name: `secret-${co}-list`, companyId }))
      .id;
    const itemId = (
      await dbRows.insert("ContactListItems", {
        name: `secret-${co}-item`,
        number: "5511900000001",
        contactListId: listId,
        companyId,
      })
    ).id;
    const campaignId = (
      await dbRows.insert("Campaigns", {
        name: `secret-${co}-campaign`,
        status: "PROGRAMADA",
        scheduledAt: new Date(Date.now() + 30 * 86_400_000),
        message1: "Olá",
        companyId,
        contactListId: listId,
        whatsappId,
      })
    ).id;
    const shippingId = (
      await dbRows.insert("CampaignShipping", {
        number: "5511900000001",
        contactId: itemId,
        campaignId,
      })
    ).id;
    rows[co] = { companyId, whatsappId, scheduleId, campaignId, itemId, shippingId };
    const media = path.join(t.config.mediaDir, `company${companyId}`);
    await mkdir(media, { recursive: true });
    await writeFile(path.join(media, "promo.pdf"), `secret-${co} media`);
    await dbRows.insertMany("Users", [
      { name: `Admin ${co}`, email: `admin@${co}.test`, passwordHash, profile: "admin", companyId },
      { name: `User ${co}`, email: `user@${co}.test`, passwordHash, profile: "user", companyId },
    ]);
  }
  await dbRows.insert("Users", {
    name: "Root",
    email: "root@ops.test",
    passwordHash,
    profile: "admin",
    companyId: rows.A.companyId,
    super: true,
  });
}

async function login(email: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(res.status, email).toBe(200);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

beforeAll(async () => {
  t = await startTestRuntime(await repoFixture(), { role: "api", editor: false });
  url = t.runtime.url ?? "";
  await createRows();
  const auth = new AuthService({
    store: new SequelizeAuthStore(t.db.sequelize),
    jwtSecret: t.config.jwtSecret,
  });
  for (const co of ["A", "B"] as const) {
    token[`${co}-admin`] = await login(`admin@${co}.test`);
    token[`${co}-user`] = await login(`user@${co}.test`);
    const api = await auth.createApiToken({
      name: `machine ${co}`,
      companyId: rows[co].companyId,
      profile: "admin",
    });
    token[`${co}-token`] = api.token;
  }
  token.super = await login("root@ops.test");
  await addJobs();
  for (const co of ["A", "B"] as const)
    sockets[co] = await connectCompanySocket({
      url,
      token: token[`${co}-admin`],
      companyId: rows[co].companyId,
    });
}, 180_000);

afterAll(async () => {
  for (const s of Object.values(sockets)) s.close();
  await t?.stop();
});

const queueNames = () => t.runtime.plan().queues.map((q) => q.name);

describe("the REST API", () => {
  it("lists to each caller exactly its own jobs of every queue and state, across pages", async () => {
    for (const who of CALLERS) {
      for (const queue of queueNames()) {
        for (const state of STATES) {
          const seen: string[] = [];
          for (let page = 1; ; page++) {
            const route = `/api/queues/${queue}/jobs?state=${state}&page=${page}&pageSize=3`;
            const res = await call(who, route);
            expect(res.status, `${who} ${route}`).toBe(200);
            expectNoLeak(who, res.text, `${who} ${route}`);
            const ids = ((res.body?.jobs ?? []) as { id: string }[]).map((j) => j.id);
            seen.push(...ids);
            if (ids.length < 3) break;
          }
          const where = `${who} ${queue} ${state}`;
          if (who === "super") expect(sweepIds(seen), where).toEqual(expected(who, queue, state));
          else expect(seen.sort(), where).toEqual(expected(who, queue, state));
        }
      }
    }
  });

  it("counts for each company only its own jobs", async () => {
    for (const who of CALLERS.filter((w) => w !== "super")) {
      const res = await call(who, "/api/queues");
      expect(res.status).toBe(200);
      expectNoLeak(who, res.text, `${who} /api/queues`);
      for (const q of (res.body?.queues ?? []) as {
        name: string;
        counts: Record<string, number>;
      }[])
        for (const state of STATES)
          expect(q.counts[state], `${who} ${q.name} ${state}`).toBe(
            expected(who, q.name, state).length,
          );
    }
  });

  it("shows a job by id to its company and a super-admin only; 404 alike to anyone else", async () => {
    for (const who of CALLERS) {
      for (const job of added) {
        const res = await call(who, `/api/queues/${job.queue}/jobs/${job.id}`);
        expectNoLeak(who, res.text, `${who} ${job.id}`, job.id);
        const mine = who === "super" || job.owner === coOf(who);
        expect([res.status, res.body?.code], `${who} ${job.id}`).toEqual(
          mine ? [200, undefined] : [404, "CF_API_NOT_FOUND"],
        );
      }
    }
  });

  it("refuses every action on a foreign or system job (404), an attendant's on any (403)", async () => {
    for (const who of [...ADMINS, "A-user", "B-user"] as Who[]) {
      for (const job of added.filter((j) => j.owner !== coOf(who))) {
        for (const action of ["retry", "remove", "promote"]) {
          const res = await call(who, `/api/queues/${job.queue}/jobs/${job.id}/${action}`, {
            method: "POST",
          });
          expectNoLeak(who, res.text, `${who} ${action} ${job.id}`, job.id);
          expect(res.status, `${who} ${action} ${job.id}`).toBe(who.endsWith("user") ? 403 : 404);
        }
      }
      for (const action of ["pause", "resume", "clean"]) {
        for (const queue of queueNames()) {
          const res = await call(who, `/api/queues/${queue}/${action}`, {
            method: "POST",
            body: JSON.stringify({ state: "delayed" }),
          });
          expect([res.status, res.body?.code], `${who} ${action} ${queue}`).toEqual([
            403,
            "CF_AUTH_FORBIDDEN",
          ]);
        }
      }
    }
    for (const job of added) {
      const state = await (await t.runtime.queues.queue(job.queue).bull.getJob(job.id))?.getState();
      expect(state, job.id).toBe(job.state);
    }
  });

  it("lets a company start only its own jobs, with its own rows and media; nothing else is enqueued", async () => {
    const count = async () => {
      let n = 0;
      for (const q of queueNames()) {
        const c = await t.runtime.queues.queue(q).bull.getJobCounts();
        n += c.waiting + c.delayed + c.active + c.failed + c.completed;
      }
      return n;
    };
    for (const who of ["A-admin", "A-token", "B-admin", "B-token"] as Who[]) {
      const co = coOf(who) as Co;
      const foreign = other(co);
      const enqueue = (queue: string, name: string, data: unknown) =>
        call(who, `/api/queues/${queue}/jobs`, {
          method: "POST",
          body: JSON.stringify({ name, data, delayMs: DELAY }),
        });
      const before = await count();
      for (const q of t.runtime.plan().queues) {
        for (const j of q.jobs) {
          const own = payload(q.name, j.name, co, 1);
          const theirs = payload(q.name, j.name, foreign, 1);
          const startable = ["MessageQueue/SendMessage", "CampaignQueue/ProcessCampaign"].includes(
            `${q.name}/${j.name}`,
          );
          const res = await enqueue(q.name, j.name, theirs ?? {});
          expectNoLeak(who, res.text, `${who} enqueue ${q.name}/${j.name}`);
          expect(res.status, `${who} foreign ${q.name}/${j.name}`).toBe(startable ? 404 : 403);
          if (!startable) {
            const mine = await enqueue(q.name, j.name, own ?? {});
            expect([mine.status, mine.body?.code], `${who} own ${q.name}/${j.name}`).toEqual([
              403,
              "CF_TENANCY_SYSTEM_JOB",
            ]);
            expect(mine.body?.message).toMatch(/is a system job/);
            // Refused before its data are read: a payload its schema refuses tells nothing of it.
            const junk = await enqueue(q.name, j.name, { "no such field": [1] });
            expectNoLeak(who, junk.text, `${who} junk ${q.name}/${j.name}`);
            expect([junk.status, junk.body?.code], `${who} junk ${q.name}/${j.name}`).toEqual([
              403,
              "CF_TENANCY_SYSTEM_JOB",
            ]);
          }
        }
      }
      const send = payload("MessageQueue", "SendMessage", co, 1) as {
        whatsappId: number;
        data: Record<string, unknown>;
      };
      for (const bad of [
        {
          ...send,
          data: { ...send.data, mediaPath: `../company${rows[foreign].companyId}/promo.pdf` },
        },
        { ...send, data: { ...send.data, mediaPath: "/etc/passwd" } },
        { ...send, data: { ...send.data, mediaPath: "missing.pdf" } },
        { ...send, companyId: rows[foreign].companyId },
        { ...send, data: { ...send.data, companyId: rows[foreign].companyId } },
      ]) {
        const res = await enqueue("MessageQueue", "SendMessage", bad);
        expect(res.status, JSON.stringify(bad)).toBe(404);
      }
      expect(await count(), who).toBe(before);
      for (const [queue, name] of [
        ["MessageQueue", "SendMessage"],
        ["CampaignQueue", "ProcessCampaign"],
      ] as const) {
        const res = await enqueue(queue, name, payload(queue, name, co, 1));
        expect(res.status, `${who} ${queue}/${name}`).toBe(201);
        const job = await t.runtime.queues.queue(queue).bull.getJob(String(res.body?.id));
        expect(job?.data.companyId).toBe(rows[co].companyId);
        await job?.remove();
      }
    }
    const attendant = await call("A-user", "/api/queues/MessageQueue/jobs", {
      method: "POST",
      body: JSON.stringify({
        name: "SendMessage",
        data: payload("MessageQueue", "SendMessage", "A", 1),
      }),
    });
    expect(attendant.status).toBe(403);
  });

  it("keeps the campaigns of each company its own", async () => {
    for (const who of CALLERS.filter((w) => w !== "super")) {
      const co = coOf(who) as Co;
      for (const c of ["A", "B"] as const) {
        const progress = await call(who, `/api/campaigns/${rows[c].campaignId}/progress`);
        expectNoLeak(who, progress.text, `${who} progress ${c}`);
        expect(progress.status, `${who} progress ${c}`).toBe(c === co ? 200 : 404);
      }
      const cancel = await call(who, `/api/campaigns/${rows[other(co)].campaignId}/cancel`, {
        method: "POST",
      });
      expect(cancel.status, `${who} cancel`).toBe(who.endsWith("user") ? 403 : 404);
    }
    for (const route of ["/api/manifest", "/api/plan", "/api/openapi.json", "/metrics"]) {
      for (const who of CALLERS) {
        const res = await call(who, route);
        expectNoLeak(who, res.text, `${who} ${route}`);
        // The metrics span every company; the plan lists the cron triggers, system jobs.
        if (route === "/metrics" || route === "/api/plan")
          expect(res.status, `${who} ${route}`).toBe(who === "super" ? 200 : 403);
      }
    }
  });
});

const BOARD_LISTS = [
  "/admin/queues/api/queues",
  "/admin/queues/API/queues",
  "/admin/queues/Api/QUEUES",
  "/admin/queues/api/queues/",
  "/admin/queues//api/queues",
  "/admin/queues/%61pi/queues",
  "/ADMIN/queues/api/queues",
];

describe("Bull Board", () => {
  it("lists to each admin exactly its own jobs, whatever the path's spelling", async () => {
    const served = new Set<string>();
    for (const who of [...ADMINS, "super"] as Who[]) {
      for (const queue of queueNames()) {
        for (const state of STATES) {
          // Every spelling where companies have jobs; a few elsewhere (the cron queues hold none).
          const spellings = ["MessageQueue", "SendSacheduledMessages", "CampaignQueue"].includes(
            queue,
          )
            ? BOARD_LISTS
            : BOARD_LISTS.slice(0, 3);
          for (const base of spellings) {
            const route = `${base}?activeQueue=${queue}&status=${state}&page=1&jobsPerPage=100`;
            const res = await call(who, route);
            const where = `${who} ${route}`;
            expectNoLeak(who, res.text, where);
            if (res.status !== 200) continue;
            served.add(base);
            const listed = res.body?.queues as {
              name: string;
              jobs: { id: string }[];
              counts: Record<string, number>;
            }[];
            const active = listed.find((q) => q.name === queue);
            const ids = (active?.jobs ?? []).map((j) => String(j.id));
            if (who === "super") expect(sweepIds(ids), where).toEqual(expected(who, queue, state));
            else {
              expect(ids.sort(), where).toEqual(expected(who, queue, state));
              for (const q of listed)
                expect(q.counts[state], `${where} ${q.name}`).toBe(
                  expected(who, q.name, state).length,
                );
            }
          }
          if (who === "super") break;
        }
      }
    }
    // Bull Board's "latest" view lists every state at once.
    for (const who of ADMINS)
      for (const queue of queueNames()) {
        const route = `${BOARD_LISTS[1]}?activeQueue=${queue}&status=latest&page=1&jobsPerPage=100`;
        const res = await call(who, route);
        expectNoLeak(who, res.text, `${who} ${route}`);
        const listed = (res.body?.queues ?? []) as { name: string; jobs: { id: string }[] }[];
        const ids = (listed.find((q) => q.name === queue)?.jobs ?? []).map((j) => String(j.id));
        const own = STATES.flatMap((state) => expected(who, queue, state)).sort();
        expect(ids.sort(), `${who} ${route}`).toEqual(own);
      }
    // The spellings Express routes to Bull Board's list (it matches paths case-insensitively).
    for (const base of BOARD_LISTS.slice(0, 4)) expect(served, base).toContain(base);
  });

  it("answers a foreign or system job as missing, by id, logs or flow, in any spelling", async () => {
    for (const who of ADMINS) {
      for (const job of added) {
        const mine = job.owner === coOf(who);
        for (const route of [
          `/admin/queues/api/queues/${job.queue}/${job.id}`,
          `/admin/queues/API/QUEUES/${job.queue}/${job.id}`,
          `/admin/queues/api/queues/${job.queue}/${encodeURIComponent(job.id)}/`,
          `/admin/queues/api/queues/${job.queue}/${job.id}/logs`,
          `/admin/queues/Api/Queues/${job.queue}/${job.id}/Logs`,
          `/admin/queues/api/queues/${job.queue}/${job.id}/flow`,
        ]) {
          const res = await call(who, route);
          expectNoLeak(who, res.text, `${who} ${route}`, job.id);
          // Bull Board answers the logs of a job it cannot find with 200 and no lines.
          if (!mine && res.status === 200) expect(res.text, `${who} ${route}`).toBe("[]");
        }
        const own = await call(who, `/admin/queues/api/queues/${job.queue}/${job.id}`);
        expectNoLeak(who, own.text, `${who} ${job.id}`, job.id);
        expect(own.status, `${who} ${job.id}`).toBe(mine ? 200 : 404);
      }
    }
  });

  it("keeps Redis stats, workers, metrics and cron schedulers to super-admins", async () => {
    const routes = [
      "/admin/queues/api/redis/stats",
      "/admin/queues/API/Redis/Stats",
      "/admin/queues/api/job-schedulers",
      "/admin/queues/api/metrics/latency",
      ...queueNames().flatMap((q) => [
        `/admin/queues/api/queues/${q}/workers`,
        `/admin/queues/api/queues/${q}/metrics`,
        `/admin/queues/API/queues/${q}/Workers`,
      ]),
    ];
    for (const who of ADMINS)
      for (const route of routes) {
        const res = await call(who, route);
        expectNoLeak(who, res.text, `${who} ${route}`);
      }
    const stats = await call("A-admin", "/admin/queues/api/redis/stats");
    expect(stats.status).toBe(403);
    expect((await call("super", "/admin/queues/api/redis/stats")).text).toContain("version");
    for (const who of ["A-user", "B-user"] as Who[])
      expect((await call(who, BOARD_LISTS[0] ?? "")).status).toBe(403);
  });

  it("refuses every mutation of a company admin, in any spelling", async () => {
    const job = added.find((j) => j.owner === "A" && j.state === "delayed");
    for (const route of [
      `/admin/queues/api/queues/${job?.queue}/${job?.id}/promote`,
      `/admin/queues/API/queues/${job?.queue}/${job?.id}/clean`,
      `/admin/queues/api/queues/${job?.queue}/clean/delayed`,
      "/admin/queues/api/queues/pause",
    ])
      for (const method of ["PUT", "POST", "DELETE", "PATCH"]) {
        const res = await call("A-admin", route, { method });
        expect(res.status, `${method} ${route}`).toBe(403);
      }
    expect(
      await (await t.runtime.queues.queue(job?.queue ?? "").bull.getJob(job?.id ?? ""))?.getState(),
    ).toBe("delayed");
  });
});

describe("socket.io", () => {
  it("joins a caller to its own company's namespace only", async () => {
    for (const who of CALLERS.filter((w) => w !== "super")) {
      const co = coOf(who) as Co;
      const refused = await connectCompanySocket({
        url,
        token: token[who],
        companyId: rows[other(co)].companyId,
      }).then(
        (s) => {
          s.close();
          return undefined;
        },
        (err: { data?: { code?: string } }) => err.data?.code,
      );
      expect(refused, who).toBe("CF_AUTH_FORBIDDEN");
    }
  });

  it("delivers a company's events to that company only", async () => {
    const cancel = (co: Co) =>
      call(`${co}-admin`, `/api/campaigns/${rows[co].campaignId}/cancel`, { method: "POST" });
    expect((await cancel("A")).body).toMatchObject({ cancelled: true });
    await sockets.A.waitFor(`company-${rows.A.companyId}-campaign`);
    // B's own event after A's: once it arrives, anything of A's would have arrived before it.
    expect((await cancel("B")).body).toMatchObject({ cancelled: true });
    await sockets.B.waitFor(`company-${rows.B.companyId}-campaign`);
    expect(new Set(sockets.B.names())).toEqual(new Set([`company-${rows.B.companyId}-campaign`]));
    expect(
      JSON.stringify(sockets.B.received(`company-${rows.B.companyId}-campaign`)),
    ).not.toContain("secret-A");
    expect(new Set(sockets.A.names())).toEqual(new Set([`company-${rows.A.companyId}-campaign`]));
  });
});
