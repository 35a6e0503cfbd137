// A real socket.io client connected as a company: it joins the company's namespace `/<id>` with a
// token, as the frontend does, and records every event it receives by name.
import { io, type Socket } from "socket.io-client";
import { SequelizeAuthStore } from "../../runtime/adapters/db/repositories/auth-store";
import type { Redis } from "../../runtime/adapters/redis";
import { RedisCompanyEvents } from "../../runtime/adapters/socket";
import { AuthService } from "../../runtime/http/auth";
import type { TestRuntime } from "./runtime";

export interface CompanySocketOptions {
  /** The api process's base URL (RunningRuntime.url). */
  readonly url: string;
  /** An access token or an API token; omitted to try without one. */
  readonly token?: string;
  readonly companyId: number;
  /** Another spelling of the namespace to try. @defaultValue `/<companyId>` */
  readonly namespace?: string;
  /** @defaultValue ["websocket"] */
  readonly transports?: ("websocket" | "polling")[];
  /** Extra headers of the handshake (Origin, Authorization); node clients only. */
  readonly headers?: Record<string, string>;
  /** Query parameters of the handshake (ChatIA's frontend sends `token` there). */
  readonly query?: Record<string, string>;
  /** @defaultValue 5000 */
  readonly timeoutMs?: number;
}

export interface CompanySocket {
  readonly socket: Socket;
  /** The payloads received so far for `event`, in order. */
  received(event: string): unknown[];
  /** Every event name received so far, in order (to check that nothing foreign arrived). */
  names(): string[];
  /** Resolves with the first `count` payloads of `event` once they have arrived. */
  waitFor(event: string, count?: number, timeoutMs?: number): Promise<unknown[]>;
  /**
   * Calls `emit` every `everyMs` (default 50) until an `event` arrives: the Redis adapter subscribes to a company's
   * channel when the namespace's first client joins, and events published before that are lost.
   */
  untilReceiving(
    emit: () => void,
    event: string,
    options?: { timeoutMs?: number; everyMs?: number },
  ): Promise<void>;
  /** Forgets what was received so far. */
  clear(): void;
  close(): void;
}

/** A refused handshake: socket.io's connect_error, with the server's `{code, message}`. */
export interface ConnectRefusal extends Error {
  readonly data?: { code?: string; message?: string };
}

/** Connects to `/<companyId>`; rejects with the ConnectRefusal when the server refuses. */
export function connectCompanySocket(options: CompanySocketOptions): Promise<CompanySocket> {
  const socket = io(`${options.url}${options.namespace ?? `/${options.companyId}`}`, {
    transports: options.transports ?? ["websocket"],
    reconnection: false,
    forceNew: true,
    timeout: options.timeoutMs ?? 5000,
    ...(options.token !== undefined && { auth: { token: options.token } }),
    ...(options.headers && { extraHeaders: options.headers }),
    ...(options.query && { query: options.query }),
  });
  const log: { name: string; payload: unknown }[] = [];
  socket.onAny((name: string, payload: unknown) => {
    log.push({ name, payload });
  });
  const company: CompanySocket = {
    socket,
    received: (event) => log.filter((e) => e.name === event).map((e) => e.payload),
    names: () => log.map((e) => e.name),
    waitFor: (event, count = 1, timeoutMs = 10_000) =>
      poll(
        () => {
          const got = company.received(event);
          return got.length >= count ? got.slice(0, count) : undefined;
        },
        timeoutMs,
        () => `${company.received(event).length} of ${count} "${event}" events`,
      ),
    untilReceiving: async (emit, event, { timeoutMs = 10_000, everyMs = 50 } = {}) => {
      const timer = setInterval(emit, everyMs);
      emit();
      try {
        await company.waitFor(event, 1, timeoutMs);
      } finally {
        clearInterval(timer);
      }
    },
    clear: () => {
      log.length = 0;
    },
    close: () => {
      socket.close();
    },
  };
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(company));
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** The refusal of a handshake that should be refused (fails if it connects). */
export async function refusedConnect(options: CompanySocketOptions): Promise<ConnectRefusal> {
  try {
    const company = await connectCompanySocket(options);
    company.close();
  } catch (err) {
    return err as ConnectRefusal;
  }
  const namespace = options.namespace ?? `/${options.companyId}`;
  throw new Error(`the socket connected to ${namespace}; it should have been refused`);
}

async function poll<T>(
  check: () => T | undefined,
  timeoutMs: number,
  progress: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${progress()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A socket.io client of the company on the running api, signed in with an admin API token of the
 * company, once its namespace's events arrive (a probe published through `publisher` under the
 * deployment's prefix has come back). The caller closes it.
 */
export async function companySocketOf(
  t: TestRuntime,
  companyId: number,
  publisher: Redis = t.redis.redis,
): Promise<CompanySocket> {
  const auth = new AuthService({
    store: new SequelizeAuthStore(t.db.sequelize),
    jwtSecret: t.config.jwtSecret,
  });
  const { token } = await auth.createApiToken({
    name: `c${companyId}`,
    companyId,
    profile: "admin",
  });
  const socket = await connectCompanySocket({ url: t.runtime.url ?? "", token, companyId });
  const events = new RedisCompanyEvents(publisher, t.config.prefix);
  try {
    await socket.untilReceiving(
      () => events.emit(companyId, "probe", {}),
      `company-${companyId}-probe`,
    );
  } catch (err) {
    socket.close();
    throw err;
  }
  return socket;
}
