// The Prometheus metrics over a real Redis prefix and a plan of two queues (the echo fixture's
// schema): counters and histogram from jobFinished, queue gauges from jobs waiting in Bull, the
// text exposition parsed line by line, and GET /metrics behind its guard over a real socket.
import type { Server } from "node:http";
import path from "node:path";
import express, { type RequestHandler } from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../../runtime/compile";
import { createMetricsRouter } from "../../../runtime/http/metrics-endpoint";
import { parseManifest } from "../../../runtime/manifest";
import { Metrics } from "../../../runtime/observability/metrics";
import { QueueRuntime } from "../../../runtime/queues/queue-runtime";
import { createTestRedis, type TestRedis } from "../../helpers/redis";

// Parsed as if it sat next to the echo fixture's jobs.yaml, so its schema path resolves there.
const MANIFEST_FILE = path.resolve(__dirname, "../../fixtures/runtime/echo/metrics-jobs.yaml");
const MANIFEST = `
version: 1
queues:
  TestQueue:
    jobs:
      Echo: { flow: echo, payload: echo.schema.json, attempts: 2 }
  OtherQueue:
    jobs:
      Shout: { flow: shout, payload: echo.schema.json }
`;

let redis: TestRedis;
let queues: QueueRuntime;

beforeAll(async () => {
  redis = createTestRedis();
  const plan = compile(await parseManifest(MANIFEST, MANIFEST_FILE, { env: {} }));
  queues = await QueueRuntime.open(plan, { url: redis.url, prefix: redis.prefix.slice(0, -1) });
});
afterAll(async () => {
  await queues?.close({ waitForJobs: false });
  await redis?.cleanup();
});

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}
interface Exposition {
  readonly help: Map<string, string>;
  readonly type: Map<string, string>;
  readonly samples: Sample[];
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = `([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\\n]|\\\\.)*)"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL},?)*)\\})? (\\S+)$`);

/** Parses the text exposition format strictly: every line is HELP, TYPE or a sample. */
function parseExposition(body: string): Exposition {
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of body.split("\n")) {
    if (line === "") continue;
    const meta = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
    if (meta) {
      const [, kind, name = "", text = ""] = meta;
      (kind === "HELP" ? help : type).set(name, text);
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a valid exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key = "", value = ""] of (match[2] ?? "").matchAll(new RegExp(LABEL, "g")))
      labels[key] = value;
    const raw = match.at(-1) ?? "";
    samples.push({ name: match[1] ?? "", labels, value: raw === "+Inf" ? Infinity : Number(raw) });
  }
  return { help, type, samples };
}

function value(exp: Exposition, name: string, labels: Record<string, string>): number | undefined {
  return exp.samples.find(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

async function scrape(metrics: Metrics): Promise<Exposition> {
  const { contentType, body } = await metrics.render();
  expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(body);
}

describe("Metrics", () => {
  it("counts finished jobs by outcome and observes their durations", async () => {
    const metrics = new Metrics(queues);
    metrics.jobFinished("TestQueue", "Echo", "echo", "completed", 0.002, false);
    metrics.jobFinished("TestQueue", "Echo", "echo", "completed", 0.3, false);
    metrics.jobFinished("TestQueue", "Echo", "echo", "failed", 1.5, true);
    metrics.jobFinished("TestQueue", "Echo", "echo", "failed", 400, false);
    const exp = await scrape(metrics);
    const echo = { queue: "TestQueue", job: "Echo" };
    expect(value(exp, "chatia_jobs_total", { ...echo, outcome: "completed" })).toBe(2);
    expect(value(exp, "chatia_jobs_total", { ...echo, outcome: "retried" })).toBe(1);
    expect(value(exp, "chatia_jobs_total", { ...echo, outcome: "failed" })).toBe(1);
    const completed = { ...echo, outcome: "completed" };
    expect(value(exp, "chatia_job_duration_seconds_count", completed)).toBe(2);
    expect(value(exp, "chatia_job_duration_seconds_sum", completed)).toBeCloseTo(0.302);
    expect(value(exp, "chatia_job_duration_seconds_bucket", { ...completed, le: "0.001" })).toBe(0);
    expect(value(exp, "chatia_job_duration_seconds_bucket", { ...completed, le: "0.005" })).toBe(1);
    expect(value(exp, "chatia_job_duration_seconds_bucket", { ...completed, le: "0.5" })).toBe(2);
    const failed = { ...echo, outcome: "failed" };
    expect(value(exp, "chatia_job_duration_seconds_bucket", { ...failed, le: "300" })).toBe(0);
    expect(value(exp, "chatia_job_duration_seconds_bucket", { ...failed, le: "+Inf" })).toBe(1);
    expect(value(exp, "chatia_flow_runs_total", { flow: "echo" })).toBe(4);
    expect(value(exp, "chatia_flow_errors_total", { flow: "echo" })).toBe(2);
  });

  it("keeps its own registry: two instances do not share counts", async () => {
    const a = new Metrics(queues);
    const b = new Metrics(queues);
    a.jobFinished("OtherQueue", "Shout", "shout", "completed", 0.01, false);
    const labels = { queue: "OtherQueue", job: "Shout", outcome: "completed" };
    expect(value(await scrape(a), "chatia_jobs_total", labels)).toBe(1);
    expect(value(await scrape(b), "chatia_jobs_total", labels)).toBeUndefined();
  });

  it("reads every plan queue's Bull counts by state at scrape time", async () => {
    const metrics = new Metrics(queues);
    const before = await scrape(metrics);
    for (const state of ["waiting", "active", "delayed", "completed", "failed", "paused"]) {
      expect(value(before, "chatia_queue_jobs", { queue: "TestQueue", state }), state).toBe(0);
      expect(value(before, "chatia_queue_jobs", { queue: "OtherQueue", state }), state).toBe(0);
    }
    // No processor is registered: the jobs stay where they were added.
    for (const text of ["a", "b", "c"]) await queues.enqueue("TestQueue", "Echo", { text });
    await queues.enqueue("TestQueue", "Echo", { text: "later" }, { delayMs: 60_000 });
    await queues.enqueue("OtherQueue", "Shout", { text: "x" });
    const after = await scrape(metrics);
    expect(value(after, "chatia_queue_jobs", { queue: "TestQueue", state: "waiting" })).toBe(3);
    expect(value(after, "chatia_queue_jobs", { queue: "TestQueue", state: "delayed" })).toBe(1);
    expect(value(after, "chatia_queue_jobs", { queue: "OtherQueue", state: "waiting" })).toBe(1);
    expect(value(after, "chatia_queue_jobs", { queue: "OtherQueue", state: "active" })).toBe(0);
  });

  it("renders a valid exposition with HELP and TYPE for every metric, defaults included", async () => {
    const metrics = new Metrics(queues);
    metrics.jobFinished("TestQueue", "Echo", "echo", "completed", 0.05, false);
    const exp = await scrape(metrics);
    const expected = {
      chatia_jobs_total: "counter",
      chatia_job_duration_seconds: "histogram",
      chatia_flow_runs_total: "counter",
      chatia_flow_errors_total: "counter",
      chatia_queue_jobs: "gauge",
      process_cpu_seconds_total: "counter",
      process_resident_memory_bytes: "gauge",
      nodejs_heap_size_used_bytes: "gauge",
    };
    for (const [name, type] of Object.entries(expected)) {
      expect(exp.type.get(name), name).toBe(type);
      expect(exp.help.get(name), name).toBeTruthy();
    }
    // Every sample belongs to a declared family (histograms add _bucket, _sum, _count).
    for (const sample of exp.samples) {
      const family = sample.name.replace(/_(bucket|sum|count)$/, "");
      expect(exp.type.has(sample.name) || exp.type.get(family) === "histogram", sample.name).toBe(
        true,
      );
      // NaN is valid exposition (the event-loop lag before its first sample); ours never are.
      if (sample.name.startsWith("chatia_")) expect(sample.value, sample.name).not.toBeNaN();
    }
    const jobs = exp.samples.filter((s) => s.name === "chatia_jobs_total");
    for (const s of jobs) expect(Object.keys(s.labels).sort()).toEqual(["job", "outcome", "queue"]);
  });
});

describe("GET /metrics", () => {
  let server: Server;
  let metrics: Metrics;
  const seen: string[] = [];

  /** Test guards: the first notes the call, the second accepts only `x-test-auth: admin`. */
  const note: RequestHandler = (req, _res, next) => {
    seen.push(req.path);
    next();
  };
  const admin: RequestHandler = (req, res, next) => {
    if (req.get("x-test-auth") === "admin") return next();
    res.status(401).json({ error: { code: "CF_AUTH_REQUIRED" } });
  };

  beforeAll(async () => {
    metrics = new Metrics(queues);
    const app = express();
    app.use(createMetricsRouter(metrics, [note, admin]));
    server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it("answers 401 when the guard rejects, without rendering", async () => {
    const res = await request(server).get("/metrics");
    expect(res.status).toBe(401);
    expect(res.text).not.toContain("chatia_");
    expect(seen).toContain("/metrics");
  });

  it("serves the exposition when the guard accepts", async () => {
    metrics.jobFinished("TestQueue", "Echo", "echo", "completed", 0.01, false);
    const res = await request(server).get("/metrics").set("x-test-auth", "admin");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8$/);
    const exp = parseExposition(res.text);
    expect(
      value(exp, "chatia_jobs_total", { queue: "TestQueue", job: "Echo", outcome: "completed" }),
    ).toBe(1);
    expect(exp.type.get("chatia_queue_jobs")).toBe("gauge");
  });

  it("takes a single guard too", async () => {
    const app = express();
    app.use(createMetricsRouter(metrics, admin));
    const res = await request(app).get("/metrics");
    expect(res.status).toBe(401);
  });
});
