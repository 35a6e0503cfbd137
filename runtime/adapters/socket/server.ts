// The socket.io server of the `api` processes. Each company has its namespace `/<companyId>`;
// a client authenticates in the handshake (`auth.token`: an access token or an API token) and
// may join its own company's namespace only (a super-admin any). Events reach it from every
// process through the Redis adapter, on the channel the emitter (./emitter.ts) publishes to.
import type http from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import { type ExtendedError, Server, type Socket } from "socket.io";
import { createRedis } from "../redis";
import { socketChannelKey } from "./emitter";

/** Who a handshake's token stands for; a string says why it was refused. */
export type SocketIdentity = {
  readonly companyId?: number;
  readonly super: boolean;
  /** An API token does not expire: its socket is checked again every `recheckMs`. */
  readonly via?: "access-token" | "api-token";
};
export type SocketAuthenticate = (
  token: string,
) => Promise<SocketIdentity | "expired" | "invalid" | string>;

export interface SocketServerOptions {
  /** The HTTP server the API listens on. */
  readonly server: http.Server;
  readonly redisUrl: string;
  /** The deployment's key prefix (the Bull prefix). */
  readonly prefix: string;
  /** Verifies a handshake token (the API's AuthService.authenticate). */
  readonly authenticate: SocketAuthenticate;
  /**
   * Origins a browser may connect from besides the server's own (the API's CORS list).
   * @defaultValue [] (same origin only)
   */
  readonly corsOrigins?: readonly string[];
  /** @defaultValue "/socket.io" */
  readonly path?: string;
  /**
   * How often a socket connected with an API token verifies it again; a revoked token's socket
   * is disconnected then. @defaultValue 30_000
   */
  readonly recheckMs?: number;
  /**
   * Tells the server, at once, that API tokens were revoked somewhere (a Postgres NOTIFY in the
   * runtime): every API-token socket is then checked without waiting for `recheckMs`.
   */
  readonly revocations?: (onRevoked: () => void) => { close(): Promise<void> };
}

export interface CompanySocketServer {
  readonly io: Server;
  /**
   * Resolves once the Redis subscriber is connected and the subscriptions made so far are in place
   * (events published from then on are delivered); rejects after `timeoutMs` otherwise. Start-up
   * waits for it before listening, and `/readyz` asks it.
   */
  ready(timeoutMs: number): Promise<void>;
  /** Disconnects every client and closes the Redis clients. */
  close(): Promise<void>;
}

/** The codes a refused handshake carries in `err.data.code` (docs/errors.md). */
export type SocketRefusal = "CF_AUTH_REQUIRED" | "CF_AUTH_INVALID" | "CF_AUTH_FORBIDDEN";

/** `/<companyId>`, one spelling per company (no leading zeros). */
const COMPANY_NAMESPACE = /^\/[1-9]\d{0,9}$/;
const IDENTITY = Symbol("chatia.socket.identity");
const EXPIRES = Symbol("chatia.socket.expires");
const TOKEN = Symbol("chatia.socket.token");

export function attachSocketServer(options: SocketServerOptions): CompanySocketServer {
  const origins = new Set(options.corsOrigins ?? []);
  const pub = createRedis(options.redisUrl, { connectionName: "chatia-flow:socket.io-pub" });
  // No ready check: the adapter subscribes whenever a namespace is created, possibly while the
  // check's INFO is unanswered, which Redis then refuses and ioredis answers by reconnecting.
  const sub = createRedis(options.redisUrl, {
    connectionName: "chatia-flow:socket.io-sub",
    enableReadyCheck: false,
  });
  // Redis answers a connection's commands in order: once a PING sent after the adapter's
  // (P)SUBSCRIBE is answered, the subscription is in place.
  const subscribed = async (timeoutMs: number): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        sub.ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`socket.io's Redis subscriber is ${sub.status}`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
  const io = new Server(options.server, {
    path: options.path ?? "/socket.io",
    serveClient: false,
    // Clients only listen: nothing they send is read, so a message never needs to be large.
    maxHttpBufferSize: 64 * 1024,
    // Node-RED's editor answers its own websocket upgrades on the same server.
    destroyUpgrade: false,
    // socket.io makes a company's namespace when a client asks for it, before authentication:
    // drop it again once empty, so that asking for many costs nothing that stays.
    cleanupEmptyChildNamespaces: true,
    adapter: createAdapter(pub, sub, { key: socketChannelKey(options.prefix) }),
    ...(origins.size > 0 && { cors: { origin: [...origins], credentials: false } }),
    // Browsers send Origin on both transports; websockets ignore CORS, so it is checked here.
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      callback(
        null,
        origin === undefined || sameHost(origin, req.headers.host) || origins.has(origin),
      );
    },
  });

  const verify = async (socket: Socket, next: (err?: ExtendedError) => void) => {
    const token = handshakeToken(socket);
    if (token === undefined)
      return next(refusal("CF_AUTH_REQUIRED", "authentication required: connect with auth.token"));
    let result: Awaited<ReturnType<SocketAuthenticate>>;
    try {
      result = await options.authenticate(token);
    } catch {
      return next(refusal("CF_AUTH_INVALID", "the token could not be verified; try again"));
    }
    if (typeof result === "string")
      return next(
        refusal(
          "CF_AUTH_INVALID",
          result === "expired"
            ? "the access token has expired; refresh it"
            : "the token is invalid or revoked",
        ),
      );
    (socket.data as Record<symbol, SocketIdentity>)[IDENTITY] = result;
    (socket.data as Record<symbol, number | undefined>)[EXPIRES] = jwtExpiry(token);
    (socket.data as Record<symbol, string>)[TOKEN] = token;
    next();
  };

  io.use(verify);
  const companies = io.of(COMPANY_NAMESPACE);
  companies.use(verify);
  companies.use((socket, next) => {
    const identity = (socket.data as Record<symbol, SocketIdentity>)[IDENTITY];
    const companyId = Number(socket.nsp.name.slice(1));
    if (identity?.super || identity?.companyId === companyId) return next();
    next(refusal("CF_AUTH_FORBIDDEN", `this token may not join company ${companyId}'s namespace`));
  });

  // A company's namespace (and its adapter's subscription) is made by its first client: that
  // client is let in once the subscription is in place, so it misses no event emitted after it
  // connected. While Redis is away it is let in after the wait, as any client then.
  companies.use((_socket, next) => {
    subscribed(5_000).then(
      () => next(),
      () => next(),
    );
  });

  const apiTokens = new ApiTokenSockets(options.authenticate, options.recheckMs ?? 30_000);
  for (const nsp of [io, companies])
    nsp.on("connection", (socket: Socket) => {
      endAtExpiry(socket);
      apiTokens.add(socket);
    });
  const revocations = options.revocations?.(() => apiTokens.checkAll());

  return {
    io,
    ready: subscribed,
    close: async () => {
      await revocations?.close();
      await io.close();
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

/**
 * The sockets connected with an API token (which does not expire): each verifies its token again
 * every `everyMs`, and all of them at once when a revocation is announced; a socket whose token
 * was revoked (`chatia-flow token revoke`, from any process) is disconnected.
 */
class ApiTokenSockets {
  private readonly sockets = new Map<Socket, string>();

  constructor(
    private readonly authenticate: SocketAuthenticate,
    private readonly everyMs: number,
  ) {}

  add(socket: Socket): void {
    const data = socket.data as Record<symbol, unknown>;
    const identity = data[IDENTITY] as SocketIdentity | undefined;
    const token = data[TOKEN];
    if (identity?.via !== "api-token" || typeof token !== "string") return;
    this.sockets.set(socket, token);
    const timer = setInterval(() => this.check(socket, token), this.everyMs);
    timer.unref();
    socket.once("disconnect", () => {
      clearInterval(timer);
      this.sockets.delete(socket);
    });
  }

  checkAll(): void {
    for (const [socket, token] of this.sockets) this.check(socket, token);
  }

  private check(socket: Socket, token: string): void {
    this.authenticate(token).then(
      (result) => {
        if (typeof result === "string") socket.disconnect(true);
      },
      () => undefined, // could not verify now (database down): keep it, try again later
    );
  }
}

/** The longest a timer may wait (setTimeout's limit); later expiries are not enforced. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * An access token (a JWT, already verified) ends the socket when it expires: the client then
 * reconnects with a fresh one, and a user whose sessions were revoked stops receiving events
 * within the token's lifetime (15 min). API tokens do not expire.
 */
function endAtExpiry(socket: Socket): void {
  const exp = (socket.data as Record<symbol, number | undefined>)[EXPIRES];
  if (exp === undefined) return;
  const ms = exp * 1000 - Date.now();
  if (ms > MAX_TIMER_MS) return;
  const timer = setTimeout(() => socket.disconnect(true), Math.max(0, ms));
  timer.unref();
  socket.once("disconnect", () => clearTimeout(timer));
}

function jwtExpiry(token: string): number | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString()) as { exp?: unknown };
    return typeof claims.exp === "number" ? claims.exp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `auth.token`; else an `Authorization: Bearer` header (clients that set extra headers); else the
 * `token` query parameter, which ChatIA's frontend sends (`io(url, {query: {token}})`).
 */
function handshakeToken(socket: Socket): string | undefined {
  const fromAuth = (socket.handshake.auth as { token?: unknown }).token;
  if (typeof fromAuth === "string" && fromAuth !== "") return fromAuth;
  const header = socket.handshake.headers.authorization;
  if (header) return /^Bearer +(\S+) *$/i.exec(header)?.[1];
  const fromQuery = socket.handshake.query.token;
  return typeof fromQuery === "string" && fromQuery !== "" ? fromQuery : undefined;
}

function refusal(code: SocketRefusal, message: string): ExtendedError {
  const err: ExtendedError = new Error(message);
  err.data = { code, message };
  return err;
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
