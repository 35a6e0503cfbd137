// Private Redis and Postgres servers for fault tests: Debian's binaries, temp dirs, own ports on
// loopback, never the machine's shared 5432/6379. Each can be killed (-9 / immediate shutdown)
// and restarted on the same port and data. Every server and dir is removed by stopAllPrivate(),
// which also runs when the test process exits, so a failing run leaves nothing behind.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const cleanups = new Set<() => void>();
let hooked = false;

/** Runs `fn` on stopAllPrivate() and, failing that, when the process exits. */
function onCleanup(fn: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.once("exit", stopAllPrivate);
  }
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Kills every private server and removes its dir (idempotent, synchronous). */
export function stopAllPrivate(): void {
  for (const fn of [...cleanups].reverse()) {
    try {
      fn();
    } catch {
      // best effort: the others still go
    }
  }
  cleanups.clear();
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `probe` until true; throws `what` after `timeoutMs`. */
export async function waitUntil(
  probe: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await (async () => probe())().catch(() => false);
    if (ok) return;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function redisCli(port: number, ...args: string[]): string {
  return execFileSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], {
    encoding: "utf8",
    timeout: 10_000,
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** `kill -9`: whatever AOF `everysec` had not written is lost. */
  kill9(): void;
  /** SIGSTOP: connections stay open and nothing is answered, as on a hung machine. */
  freeze(): void;
  /** Starts it again on the same port and dir (loads the AOF); resolves when it answers PING. */
  restart(): Promise<void>;
  /** Runs a redis-cli command against it. */
  cli(...args: string[]): string;
  stop(): void;
}

/** A redis-server with AOF `everysec` (the compose setting); `replicaOf`: a replica of that port. */
export async function startPrivateRedis(opts: { replicaOf?: number } = {}): Promise<PrivateRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), "chatia-chaos-redis-"));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--appendonly",
    "yes",
    "--appendfsync",
    "everysec",
    "--save",
    "",
    ...(opts.replicaOf === undefined ? [] : ["--replicaof", "127.0.0.1", String(opts.replicaOf)]),
  ];
  const start = async () => {
    child = spawn("redis-server", args, { stdio: "ignore" });
    await waitUntil(() => redisCli(port, "PING") === "PONG", 20_000, `redis on ${port}`);
  };
  const kill9 = () => {
    child?.kill("SIGKILL");
    child = undefined;
  };
  const stop = () => {
    kill9();
    rmSync(dir, { recursive: true, force: true });
  };
  onCleanup(stop);
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill9,
    freeze: () => child?.kill("SIGSTOP"),
    restart: start,
    cli: (...a) => redisCli(port, ...a),
    stop,
  };
}

export interface SentinelGroup {
  readonly name: string;
  /** `host:port,…` for REDIS_SENTINELS. */
  readonly sentinels: string;
  primary: PrivateRedis;
  replica: PrivateRedis;
  /** The port the sentinels name as primary now. */
  primaryPort(): number;
  /**
   * Kills the primary (-9), or freezes it (SIGSTOP: its connections stay open, unanswered), and
   * resolves when the sentinels promoted the replica.
   */
  failover(timeoutMs?: number, how?: "kill-9" | "freeze"): Promise<void>;
  /**
   * SIGSTOPs sentinel `index` (0-2, in the order of `sentinels`): it still accepts connections
   * (the kernel does) but answers nothing, as a hung sentinel machine would. `thaw` resumes it.
   */
  freezeSentinel(index: number): void;
  thawSentinel(index: number): void;
  stop(): void;
}

/** One primary, one replica, three sentinels (quorum 2) on loopback; failover within seconds. */
export async function startSentinelGroup(name = "chatia"): Promise<SentinelGroup> {
  const primary = await startPrivateRedis();
  const replica = await startPrivateRedis({ replicaOf: primary.port });
  await waitUntil(
    () => /master_link_status:up/.test(replica.cli("INFO", "replication")),
    20_000,
    "replica in sync",
  );
  const dir = mkdtempSync(path.join(tmpdir(), "chatia-chaos-sentinel-"));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const conf = path.join(dir, `sentinel-${i}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        "bind 127.0.0.1",
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        `sentinel parallel-syncs ${name} 1`,
        "",
      ].join("\n"),
    );
    children.push(spawn("redis-server", [conf, "--sentinel"], { stdio: "ignore" }));
    ports.push(port);
  }
  const stop = () => {
    for (const c of children) c.kill("SIGKILL");
    primary.stop();
    replica.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  onCleanup(stop);
  for (const port of ports) {
    await waitUntil(
      () => /num-other-sentinels,2|"num-other-sentinels"/.test(sentinelInfo(port, name)),
      30_000,
      `sentinel ${port} sees the others`,
    );
  }
  const frozen = new Set<number>();
  // Asked of a sentinel that is not frozen.
  const primaryPort = () => {
    const port = ports.find((_, i) => !frozen.has(i)) ?? 0;
    return Number(redisCli(port, "SENTINEL", "get-master-addr-by-name", name).split("\n")[1]);
  };
  const group: SentinelGroup = {
    name,
    sentinels: ports.map((p) => `127.0.0.1:${p}`).join(","),
    primary,
    replica,
    primaryPort,
    failover: async (timeoutMs = 30_000, how = "kill-9") => {
      const old = group.primary;
      if (how === "freeze") old.freeze();
      else old.kill9();
      await waitUntil(() => primaryPort() === group.replica.port, timeoutMs, "sentinel failover");
      group.primary = group.replica;
      group.replica = old;
    },
    freezeSentinel: (index) => signalSentinel(index, "SIGSTOP"),
    thawSentinel: (index) => signalSentinel(index, "SIGCONT"),
    stop,
  };
  function signalSentinel(index: number, signal: NodeJS.Signals): void {
    const child = children[index];
    if (child === undefined) throw new Error(`no sentinel ${index}: there are ${children.length}`);
    child.kill(signal);
    if (signal === "SIGSTOP") frozen.add(index);
    else frozen.delete(index);
  }
  return group;
}

function sentinelInfo(port: number, name: string): string {
  return redisCli(port, "SENTINEL", "master", name).split("\n").join(",");
}

export interface PrivatePostgres {
  readonly port: number;
  /** A URL for `database` on it (user postgres, trust). */
  url(database: string): string;
  /** `pg_ctl stop -m immediate`: every backend dies, recovery from WAL at the next start. */
  stopImmediate(): void;
  /** Starts it (again); resolves when it accepts connections. */
  start(): Promise<void>;
  createDatabase(name: string): void;
  stop(): void;
}

function binDir(): string {
  const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
  const v = versions[0];
  if (v === undefined)
    throw new Error("no Postgres under /usr/lib/postgresql (apt-get install postgresql)");
  return `/usr/lib/postgresql/${v}/bin`;
}

function asPostgres(bin: string, args: string[]): string {
  return execFileSync("runuser", ["-u", "postgres", "--", path.join(binDir(), bin), ...args], {
    encoding: "utf8",
    timeout: 60_000,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** A private cluster: `initdb` into a temp dir owned by postgres, started with `pg_ctl`. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const root = mkdtempSync(path.join(tmpdir(), "chatia-chaos-pg-"));
  chmodSync(root, 0o755);
  const dir = path.join(root, "data");
  const pw = execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim();
  const gid = execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim();
  chownSync(root, Number(pw), Number(gid));
  const port = await freePort();
  asPostgres("initdb", ["-D", dir, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const ctl = (...args: string[]) => asPostgres("pg_ctl", ["-D", dir, ...args]);
  const start = async () => {
    ctl("-o", options, "-l", path.join(root, "log"), "start");
    await waitUntil(() => accepts(port), 30_000, `postgres on ${port}`);
    await waitUntil(
      () => {
        try {
          asPostgres("psql", [
            "-h",
            root,
            "-p",
            String(port),
            "-U",
            "postgres",
            "-Atc",
            "SELECT 1",
          ]);
          return true;
        } catch {
          return false;
        }
      },
      60_000,
      `postgres on ${port} answers`,
    );
  };
  const stopImmediate = () => {
    try {
      ctl("-m", "immediate", "stop");
    } catch {
      // already down
    }
  };
  const stop = () => {
    stopImmediate();
    rmSync(root, { recursive: true, force: true });
  };
  onCleanup(stop);
  await start();
  return {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stopImmediate,
    start,
    createDatabase: (name) => {
      asPostgres("psql", [
        "-h",
        root,
        "-p",
        String(port),
        "-U",
        "postgres",
        "-c",
        `CREATE DATABASE "${name}"`,
      ]);
    },
    stop,
  };
}
