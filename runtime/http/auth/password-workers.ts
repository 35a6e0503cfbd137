// bcrypt off the event loop: bcryptjs is JavaScript, and even its asynchronous form computes in
// 100 ms slices on the thread that calls it, so a few logins at once held every other request
// (a health check waited over a second behind 4 checks). Here each hash or comparison runs in a
// worker thread of a small pool, started on first use; the event loop only passes messages.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

/** What a worker is asked: compare a password with a hash, or hash one. */
type Task =
  | { readonly op: "compare"; readonly password: string; readonly hash: string }
  | { readonly op: "hash"; readonly password: string; readonly rounds: number };

interface Pending {
  resolve(value: boolean | string): void;
  reject(err: Error): void;
}

// Evaluated as CommonJS in the worker: bcryptjs is required by its resolved path, which holds
// under tsx and from dist/ alike.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const bcrypt = require(${JSON.stringify(require.resolve("bcryptjs"))});
parentPort.on("message", (m) => {
  try {
    const result = m.op === "compare" ? bcrypt.compareSync(m.password, m.hash) : bcrypt.hashSync(m.password, m.rounds);
    parentPort.postMessage({ id: m.id, result });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) });
  }
});
`;

class PasswordWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  dead = false;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    // Idle workers do not keep the process alive.
    this.worker.unref();
    this.worker.on("message", (m: { id: number; result?: boolean | string; error?: string }) => {
      const task = this.pending.get(m.id);
      if (!task) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) task.reject(new Error(m.error));
      else task.resolve(m.result as boolean | string);
    });
    const fail = (err: Error) => {
      this.dead = true;
      for (const task of this.pending.values()) task.reject(err);
      this.pending.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`password worker exited with code ${code}`)));
  }

  get load(): number {
    return this.pending.size;
  }

  run(task: Task): Promise<boolean | string> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...task });
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** The default pool size: a thread per core but one, between 2 and 4. */
export const PASSWORD_WORKERS = Math.min(4, Math.max(2, availableParallelism() - 1));

/** A pool of `size` worker threads computing bcrypt; each task goes to the least busy one. */
export class PasswordWorkers {
  private readonly workers: PasswordWorker[] = [];

  constructor(private readonly size = PASSWORD_WORKERS) {}

  /** Whether `password` matches the bcrypt `hash`. */
  async compare(password: string, hash: string): Promise<boolean> {
    return (await this.next().run({ op: "compare", password, hash })) as boolean;
  }

  /** A bcrypt hash of `password` with `rounds` (the cost). */
  async hash(password: string, rounds: number): Promise<string> {
    return (await this.next().run({ op: "hash", password, rounds })) as string;
  }

  /** Stops the threads (they do not hold the process open; this is for tests). */
  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.terminate()));
  }

  private next(): PasswordWorker {
    for (let i = this.workers.length - 1; i >= 0; i--)
      if (this.workers[i]?.dead) this.workers.splice(i, 1);
    const idle = this.workers.find((w) => w.load === 0);
    if (idle) return idle;
    if (this.workers.length < this.size) {
      const worker = new PasswordWorker();
      this.workers.push(worker);
      return worker;
    }
    return this.workers.reduce((a, b) => (b.load < a.load ? b : a));
  }
}

/** The process's pool: every password check of the API, the admin form and the editor. */
export const passwordWorkers = new PasswordWorkers();
