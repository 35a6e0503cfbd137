// The path a job's message took through its flow — each node it reached and the message there — for
// the editor's test runs (job ids starting `trace-`) and a share of all runs the operator may set
// (CHATIA_TRACE_SAMPLE, 0 by default). Recording costs nothing when no traced run is in a flow: the
// Node-RED hooks are added when the first traced run starts and removed when the last one ends, so
// the hot path pays one string test per job (with a sampled share, the hooks stay, and every
// message pays a look-up). A trace is kept in Redis for a day, read by the api.
import type { NodeRedHooks } from "../adapters/node-red/node-red-module";
import type { Redis } from "../adapters/redis";
import { failureInfo } from "./node-failure";

/** Job ids the editor gives its test runs: such runs are always traced. */
export const TRACE_ID_PREFIX = "trace-";

export interface TraceStep {
  readonly nodeId: string;
  readonly type: string;
  readonly name: string;
  /** ms since the run started. */
  readonly atMs: number;
  /** The message as the node received it (as `job in` sent it, for the entry), trimmed. */
  readonly msg: unknown;
  /** The error the node reported, if it did. */
  error?: string;
}

export interface JobTrace {
  readonly queue: string;
  readonly name: string;
  readonly id: string;
  readonly attempt: number;
  readonly startedAt: number;
  ms?: number;
  outcome?: "completed" | "failed";
  result?: unknown;
  error?: { code: string | null; message: string; nodeId: string | null };
  readonly steps: TraceStep[];
  /** True when the run reached more than MAX_STEPS nodes (the rest are not recorded). */
  truncated: boolean;
}

export interface JobTracerOptions {
  readonly redis: Redis;
  /** Bull's key prefix; traces live under `<prefix>:chatia:trace:`. */
  readonly prefix: string;
  /** Share of all runs traced, 0 to 1. @defaultValue 0 */
  readonly sampleShare?: number;
  readonly log?: { warn(fields: object, message: string): void };
}

interface TracedJob {
  readonly id: string | number;
  readonly name: string;
  readonly data: unknown;
  readonly attemptsMade: number;
}

function traceKey(prefix: string, queue: string, id: string): string {
  return `${prefix}:chatia:trace:${queue}:${id}`;
}

/** The stored trace of a job's latest traced attempt (any process may have run it). */
export async function loadTrace(
  redis: Redis,
  prefix: string,
  queue: string,
  id: string,
): Promise<JobTrace | undefined> {
  const text = await redis.get(traceKey(prefix, queue, id));
  return text ? (JSON.parse(text) as JobTrace) : undefined;
}

const MAX_STEPS = 200;
const TRACE_TTL_SECONDS = 86_400;
const LABEL = "chatia-trace";

/** A node as a hook event carries it. */
interface HookNode {
  readonly id: string;
  readonly node?: { readonly type?: string; readonly name?: string };
}
interface SendEvent {
  readonly msg: Record<string, unknown>;
  readonly source: HookNode;
}
interface ReceiveEvent {
  readonly msg: Record<string, unknown>;
  readonly destination: HookNode;
}
interface CompleteEvent {
  readonly msg: Record<string, unknown>;
  readonly error?: unknown;
  readonly node: HookNode;
}

export class JobTracer {
  /** Traced runs inside a flow, by queue, then job id. */
  private readonly active = new Map<string, Map<string, { trace: JobTrace; started: number }>>();
  private count = 0;
  private readonly sampleShare: number;

  constructor(
    private readonly hooks: NodeRedHooks,
    private readonly options: JobTracerOptions,
  ) {
    this.sampleShare = Math.min(1, Math.max(0, options.sampleShare ?? 0));
    // With a sampled share, traced runs are in flows most of the time: the hooks stay, since
    // adding one costs more than it saves (Node-RED captures a stack trace at every add).
    if (this.sampleShare > 0) this.addHooks();
  }

  /** Whether this run is traced: a test run from the editor, or one of the sampled share. */
  wants(job: { readonly id: string | number }): boolean {
    return (
      (typeof job.id === "string" && job.id.startsWith(TRACE_ID_PREFIX)) ||
      (this.sampleShare > 0 && Math.random() < this.sampleShare)
    );
  }

  /** Runs `run` with its messages recorded; the trace is stored as the run settles. */
  trace(job: TracedJob, queue: string, run: () => Promise<unknown>): Promise<unknown> {
    const id = String(job.id);
    const trace: JobTrace = {
      queue,
      name: job.name,
      id,
      attempt: job.attemptsMade + 1,
      startedAt: Date.now(),
      steps: [],
      truncated: false,
    };
    const started = performance.now();
    this.begin(queue, id, { trace, started });
    const running = run();
    running.then(
      (result) => this.end(queue, id, trace, started, { result }),
      (err: unknown) => this.end(queue, id, trace, started, { err }),
    );
    return running;
  }

  private key(queue: string, id: string): string {
    return traceKey(this.options.prefix, queue, id);
  }

  private begin(queue: string, id: string, run: { trace: JobTrace; started: number }): void {
    let runs = this.active.get(queue);
    if (!runs) {
      runs = new Map();
      this.active.set(queue, runs);
    }
    if (!runs.has(id)) this.count++;
    runs.set(id, run);
    if (this.count === 1 && this.sampleShare === 0) this.addHooks();
  }

  private end(
    queue: string,
    id: string,
    trace: JobTrace,
    started: number,
    outcome: { result?: unknown; err?: unknown },
  ): void {
    const runs = this.active.get(queue);
    if (runs?.get(id)?.trace === trace) {
      runs.delete(id);
      if (--this.count === 0 && this.sampleShare === 0) this.hooks.remove(`*.${LABEL}`);
    }
    trace.ms = Math.round(performance.now() - started);
    if (outcome.err === undefined) {
      trace.outcome = "completed";
      trace.result = snapshot(outcome.result);
    } else {
      const err = outcome.err as { code?: unknown; message?: unknown; stack?: unknown };
      const message = String(err?.message ?? err);
      trace.outcome = "failed";
      trace.error = {
        code: typeof err?.code === "string" ? err.code : null,
        message,
        nodeId: failureInfo(message).nodeId,
      };
    }
    this.options.redis
      .set(this.key(queue, id), JSON.stringify(trace), "EX", TRACE_TTL_SECONDS)
      .catch((error: unknown) =>
        this.options.log?.warn({ err: error, queue, jobId: id }, "could not store a job trace"),
      );
  }

  private runOf(msg: Record<string, unknown> | undefined) {
    const job = msg?.job as { queue?: unknown; id?: unknown } | undefined;
    if (typeof job?.queue !== "string" || typeof job.id !== "string") return undefined;
    return this.active.get(job.queue)?.get(job.id);
  }

  private record(run: { trace: JobTrace; started: number }, node: HookNode, msg: unknown): void {
    const { trace } = run;
    if (trace.steps.length >= MAX_STEPS) {
      trace.truncated = true;
      return;
    }
    trace.steps.push({
      nodeId: node.id,
      type: node.node?.type ?? "",
      name: node.node?.name ?? "",
      atMs: Math.round((performance.now() - run.started) * 10) / 10,
      msg: snapshot(msg, ["_msgid", "job"]),
    });
  }

  /** Removes the hooks (a tracer with a sampled share keeps them until then). */
  close(): void {
    this.hooks.remove(`*.${LABEL}`);
  }

  /** One tracer per process: its hooks replace any left under the same label. */
  private addHooks(): void {
    this.hooks.remove(`*.${LABEL}`);
    this.hooks.add(`onSend.${LABEL}`, (events: readonly SendEvent[]) => {
      for (const event of events) {
        if (event.source.node?.type !== "job in") continue;
        const run = this.runOf(event.msg);
        if (run && run.trace.steps.length === 0) this.record(run, event.source, event.msg);
      }
    });
    this.hooks.add(`onReceive.${LABEL}`, (event: ReceiveEvent) => {
      const run = this.runOf(event.msg);
      if (run) this.record(run, event.destination, event.msg);
    });
    this.hooks.add(`onComplete.${LABEL}`, (event: CompleteEvent) => {
      if (event.error === undefined || event.error === null) return;
      const run = this.runOf(event.msg);
      if (!run) return;
      const step = [...run.trace.steps].reverse().find((s) => s.nodeId === event.node.id);
      const message = (event.error as { message?: unknown }).message ?? event.error;
      if (step) step.error = String(message);
    });
  }
}

const MAX_DEPTH = 6;
const MAX_ITEMS = 50;
const MAX_STRING = 1000;

/** A plain, bounded copy of `value`: deep objects, long arrays and long strings cut, marked with "…". */
export function snapshot(value: unknown, omit: readonly string[] = [], depth = 0): unknown {
  if (typeof value === "string")
    return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (value === null || typeof value !== "object")
    return typeof value === "function" || typeof value === "symbol" ? undefined : value;
  if (depth >= MAX_DEPTH) return "…";
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `<Buffer ${value.length} bytes>`;
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => snapshot(item, [], depth + 1));
    return value.length > MAX_ITEMS ? [...items, `… ${value.length - MAX_ITEMS} more`] : items;
  }
  const copy: Record<string, unknown> = {};
  let keys = 0;
  for (const [key, item] of Object.entries(value)) {
    if (omit.includes(key)) continue;
    if (++keys > MAX_ITEMS) {
      copy["…"] = "more properties";
      break;
    }
    copy[key] = snapshot(item, [], depth + 1);
  }
  return copy;
}
