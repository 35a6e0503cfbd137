// The baileys driver: real WhatsApp connections, one socket per connection, each in the one
// process that holds the connection's lease (connection-leases.ts). A worker claims live
// connections up to its limit, opens their sockets with the auth state stored in Postgres, writes
// their status (and QR code while pairing) to `Whatsapps` and emits it to the company
// (`company-<id>-whatsappSession`). A send made in any process runs in the owner: locally when it
// is this process, otherwise routed there through Redis (send-router.ts).
//
// The decisions (what a connection.update means, the reconnect schedule, error codes) are pure
// functions in baileys-policy.ts; the socket is made by an injectable factory.

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import makeWASocket, {
  type AnyMessageContent,
  type AuthenticationState,
  type ConnectionState,
  type UserFacingSocketConfig,
} from "@whiskeysockets/baileys";
import pino, { type Logger } from "pino";
import { ChatiaError } from "../../errors";
import type { CompanyEvents } from "../../services/ports/events";
import type {
  SessionRow,
  StatusPatch,
  WhatsappConnectionStore,
} from "../../services/ports/whatsapp-connection-store";
import {
  assertSendable,
  type ConnectionStatus,
  type OutgoingMessage,
  type SentMessage,
  type WhatsAppGateway,
} from "../../services/ports/whatsapp-gateway";
import type { WhatsappSessionStore } from "../../services/ports/whatsapp-session-store";
import type { Redis } from "../redis/connection";
import { type PostgresAuthState, usePostgresAuthState } from "./baileys-auth-state";
import {
  type BackoffOptions,
  type ConnectionDecision,
  decideConnectionUpdate,
  messageContents,
  ReconnectBackoff,
  toGatewayError,
} from "./baileys-policy";
import { ConnectionLeases } from "./connection-leases";
import { SendRouter } from "./send-router";

/** What the driver uses of a baileys socket (a real WASocket, or a fake one in tests). */
export interface BaileysSocket {
  readonly ev: {
    on(event: "connection.update", listener: (update: Partial<ConnectionState>) => void): void;
    on(event: "creds.update", listener: (update: unknown) => void): void;
    removeAllListeners(event: "connection.update" | "creds.update"): void;
  };
  sendMessage(jid: string, content: AnyMessageContent): Promise<SentProto | undefined>;
  end(error: Error | undefined): void;
}

/** The part of baileys' WebMessageInfo a send returns that the driver reads. */
export interface SentProto {
  readonly key: { readonly id?: string | null };
  readonly messageTimestamp?: number | { toNumber(): number } | null;
}

export interface SocketFactoryConfig {
  readonly connectionId: number;
  readonly auth: AuthenticationState;
  readonly logger: Logger;
  /** More makeWASocket options (browser name, proxy agent, WebSocket URL…). */
  readonly socketOptions: Partial<UserFacingSocketConfig>;
}

export type SocketFactory = (config: SocketFactoryConfig) => BaileysSocket;

/** makeWASocket with the connection's auth state; no QR in the terminal, no history sync. */
export const defaultSocketFactory: SocketFactory = (config) =>
  makeWASocket({
    ...config.socketOptions,
    auth: config.auth,
    logger: config.logger,
    printQRInTerminal: false,
    markOnlineOnConnect: false,
    syncFullHistory: false,
  }) as unknown as BaileysSocket;

export interface BaileysWhatsAppOptions {
  /** The connections to run and their status (`Whatsapps`). */
  readonly connections: WhatsappConnectionStore;
  /** Each connection's auth state. */
  readonly sessions: WhatsappSessionStore;
  /**
   * The caller's client, left open by close(). The driver works on its own duplicates of it, so
   * that it can free its leases at shutdown whatever the order in which clients are closed.
   */
  readonly redis: Redis;
  readonly events: CompanyEvents;
  /** Key prefix, e.g. `bull:chatia:`. */
  readonly prefix: string;
  /** This process's owner id. @defaultValue `<hostname>:<pid>:<random>` */
  readonly ownerId?: string;
  /** Whether this process opens sockets (workers); false only routes sends. @defaultValue true */
  readonly runConnections?: boolean;
  /** Most connections this process runs. @defaultValue 50 */
  readonly maxConnections?: number;
  /** Lease time to live, ms; a dead owner's connections move after this. @defaultValue 30000 */
  readonly leaseMs?: number;
  /** How often leases are renewed and connections claimed, ms. @defaultValue leaseMs / 3 */
  readonly scanIntervalMs?: number;
  /** How long a routed send waits for the owner, ms. @defaultValue 30000 */
  readonly routedSendTimeoutMs?: number;
  readonly backoff?: BackoffOptions;
  /** @defaultValue defaultSocketFactory (makeWASocket) */
  readonly socketFactory?: SocketFactory;
  /** Passed to the socket factory with each connection's auth state. */
  readonly socketOptions?: Partial<UserFacingSocketConfig>;
  /** Baileys' logger (a child at warn is made of it). @defaultValue pino at warn */
  readonly logger?: Logger;
}

export type { SessionRow };

export class BaileysWhatsApp implements WhatsAppGateway {
  readonly ownerId: string;
  readonly sessions: WhatsappSessionStore;
  private readonly redis: Redis;
  private readonly leases: ConnectionLeases;
  private readonly router: SendRouter;
  private readonly connections = new Map<number, BaileysConnection>();
  private readonly log: Logger;
  private readonly maxConnections: number;
  private scanTimer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private closed = false;

  private constructor(readonly options: BaileysWhatsAppOptions) {
    this.ownerId = options.ownerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    const leaseMs = options.leaseMs ?? 30_000;
    this.sessions = options.sessions;
    this.redis = options.redis.duplicate();
    this.redis.on("error", () => undefined);
    this.leases = new ConnectionLeases(this.redis, {
      prefix: options.prefix,
      ownerId: this.ownerId,
      leaseMs,
    });
    this.router = new SendRouter(this.redis, {
      prefix: options.prefix,
      ownerId: this.ownerId,
      timeoutMs: options.routedSendTimeoutMs ?? 30_000,
    });
    // Baileys logs much at info and below: its child logs at warn, or less if the parent does.
    const parent = options.logger ?? pino({ level: "warn" });
    this.log = parent.child(
      { module: "baileys", owner: this.ownerId },
      { level: parent.isLevelEnabled("warn") ? "warn" : parent.level },
    );
    this.maxConnections = options.maxConnections ?? 50;
  }

  /** Starts routing, and (unless runConnections is false) claims and opens connections. */
  static async start(options: BaileysWhatsAppOptions): Promise<BaileysWhatsApp> {
    const driver = new BaileysWhatsApp(options);
    await driver.router.start();
    if (options.runConnections !== false) {
      driver.router.serve(
        () => [...driver.connections.keys()],
        (id, message) => driver.sendLocal(id, message),
      );
      await driver.scan();
      const every = options.scanIntervalMs ?? (options.leaseMs ?? 30_000) / 3;
      driver.scanTimer = setInterval(() => {
        driver.scan().catch((err: unknown) => driver.log.error({ err }, "connection scan failed"));
      }, every);
      driver.scanTimer.unref();
    }
    return driver;
  }

  /** The connections this process runs now. */
  ownedConnections(): number[] {
    return [...this.connections.keys()].sort((a, b) => a - b);
  }

  /** Whether the lease holder of connection N is this process. */
  async owns(connectionId: number): Promise<boolean> {
    return (await this.leases.owner(connectionId)) === this.ownerId;
  }

  /** Resolves once connection N's events so far are handled (status written, socket replaced). */
  async settled(connectionId: number): Promise<void> {
    await this.connections.get(connectionId)?.settled();
  }

  /**
   * Renews this process's leases (dropping connections whose lease was lost), stops connections
   * that were deleted or set DISCONNECTED, and claims live ones up to the limit. Runs on a timer;
   * tests call it to skip the wait.
   */
  scan(): Promise<void> {
    this.scanning ??= this.doScan().finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  private async doScan(): Promise<void> {
    if (this.closed) return;
    const lost = await this.leases.renew([...this.connections.keys()]);
    for (const id of lost) {
      this.log.warn({ connectionId: id }, "lease lost: another process runs this connection now");
      await this.retire(id, false);
    }
    const candidates = await this.options.connections.candidates();
    const live = new Set(candidates.map((c) => c.id));
    for (const id of [...this.connections.keys()]) {
      if (!live.has(id)) await this.retire(id, true);
    }
    for (const { id, companyId } of candidates) {
      if (this.closed || this.connections.size >= this.maxConnections) break;
      if (this.connections.has(id) || !(await this.leases.claim(id))) continue;
      const connection = new BaileysConnection(id, companyId, this);
      this.connections.set(id, connection);
      connection.start();
    }
  }

  /** Stops running connection N here; `release` frees its lease for another process. */
  async retire(connectionId: number, release: boolean): Promise<void> {
    const connection = this.connections.get(connectionId);
    this.connections.delete(connectionId);
    connection?.stop();
    if (release) await this.leases.release(connectionId);
  }

  async send(connectionId: number, message: OutgoingMessage): Promise<SentMessage> {
    assertSendable(message);
    if (this.closed) {
      throw new ChatiaError("CF_WA_DISCONNECTED", "the baileys WhatsApp gateway is closed", {
        details: { connectionId },
      });
    }
    if (this.connections.has(connectionId)) return this.sendLocal(connectionId, message);
    const owner = await this.leases.owner(connectionId);
    if (owner === null || owner === this.ownerId) {
      throw new ChatiaError(
        "CF_WA_DISCONNECTED",
        `no process runs WhatsApp connection ${connectionId} (not started, logged out, or every worker is at its limit)`,
        { details: { connectionId } },
      );
    }
    return this.router.request(connectionId, message, owner);
  }

  private async sendLocal(connectionId: number, message: OutgoingMessage): Promise<SentMessage> {
    const connection = this.connections.get(connectionId);
    if (connection === undefined) {
      throw new ChatiaError(
        "CF_WA_DISCONNECTED",
        `connection ${connectionId} is not run by this process`,
        { details: { connectionId } },
      );
    }
    return connection.send(message);
  }

  async status(connectionId: number): Promise<ConnectionStatus> {
    const status = await this.options.connections.status(connectionId);
    if (status === "CONNECTED" || status === "qrcode" || status === "OPENING") return status;
    return status === "PAIRING" ? "OPENING" : "DISCONNECTED";
  }

  /** Closes every socket and frees their leases (other workers take them over); stops routing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.scanTimer);
    await this.scanning?.catch(() => undefined);
    for (const id of [...this.connections.keys()]) {
      await this.retire(id, true).catch(() => undefined);
    }
    await this.router.close();
    await this.redis.quit().catch(() => undefined);
  }

  /** Writes a connection's status to `Whatsapps` and emits it to its company. */
  async writeStatus(connectionId: number, patch: StatusPatch): Promise<SessionRow | undefined> {
    const session = await this.options.connections.writeStatus(connectionId, patch);
    if (session !== undefined) {
      this.options.events.emit(session.companyId, "whatsappSession", { action: "update", session });
    }
    return session;
  }

  /** @internal what a connection needs of its driver. */
  get context() {
    return {
      log: this.log,
      sessions: this.sessions,
      socketFactory: this.options.socketFactory ?? defaultSocketFactory,
      socketOptions: this.options.socketOptions ?? {},
      backoff: this.options.backoff ?? {},
    };
  }
}

/** One connection's socket, reconnected as the policy says, while this process owns it. */
class BaileysConnection {
  private socket: BaileysSocket | undefined;
  private auth: PostgresAuthState | undefined;
  private timer: NodeJS.Timeout | undefined;
  private updates: Promise<void> = Promise.resolve();
  private stopped = false;
  private open = false;
  private awaitingScan = false;
  private readonly backoff: ReconnectBackoff;
  private readonly log: Logger;

  constructor(
    readonly id: number,
    readonly companyId: number,
    private readonly driver: BaileysWhatsApp,
  ) {
    this.backoff = new ReconnectBackoff(driver.context.backoff);
    this.log = driver.context.log.child({ connectionId: id });
  }

  start(): void {
    this.enqueue(async () => {
      await this.driver.writeStatus(this.id, { status: "OPENING" });
      await this.connect();
    });
  }

  /** Resolves when the events received so far are handled. */
  settled(): Promise<void> {
    return this.updates;
  }

  private enqueue(work: () => Promise<void>): void {
    this.updates = this.updates
      .then(() => (this.stopped ? undefined : work()))
      .catch((err: unknown) => this.log.error({ err }, "connection update failed"));
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.auth ??= await usePostgresAuthState(this.driver.context.sessions, {
      whatsappId: this.id,
      companyId: this.companyId,
    });
    if (this.stopped) return;
    const auth = this.auth;
    const socket = this.driver.context.socketFactory({
      connectionId: this.id,
      auth: auth.state,
      logger: this.log,
      socketOptions: this.driver.context.socketOptions,
    });
    this.socket = socket;
    socket.ev.on("creds.update", () => {
      auth.saveCreds().catch((err: unknown) => this.log.error({ err }, "saving creds failed"));
    });
    socket.ev.on("connection.update", (update) => {
      if (socket !== this.socket) return;
      this.enqueue(() => this.onUpdate(update));
    });
  }

  private async onUpdate(update: Partial<ConnectionState>): Promise<void> {
    const decision = decideConnectionUpdate(update, { awaitingScan: this.awaitingScan });
    if (decision === null) return;
    // A process that lost the lease (a long pause) leaves the connection to its new owner: it
    // writes nothing, clears nothing and does not reconnect.
    if (!(await this.driver.owns(this.id))) {
      this.log.warn({ decision: decision.kind }, "lease lost: leaving the connection to its owner");
      await this.driver.retire(this.id, false);
      return;
    }
    await this.apply(decision);
  }

  private async apply(decision: ConnectionDecision): Promise<void> {
    const { driver, id } = this;
    if (decision.kind === "qr") {
      this.open = false;
      this.awaitingScan = true;
      await driver.writeStatus(id, { status: "qrcode", qrcode: decision.qr });
      return;
    }
    if (decision.kind === "open") {
      this.open = true;
      this.awaitingScan = false;
      this.backoff.reset();
      await driver.writeStatus(id, { status: "CONNECTED", qrcode: "", retries: 0 });
      return;
    }
    this.open = false;
    this.dropSocket();
    const { action, statusCode, reason } = decision;
    this.log.warn({ statusCode, reason, action }, "connection closed");
    switch (action) {
      case "reconnect":
        await driver.writeStatus(id, { status: "OPENING" });
        await this.connect();
        return;
      case "backoff": {
        const delay = this.backoff.next();
        await driver.writeStatus(id, { status: "OPENING", retries: this.backoff.attempts });
        this.reconnectAfter(delay);
        return;
      }
      case "re-pair": {
        await this.clearAuth();
        const delay = this.backoff.next();
        await driver.writeStatus(id, {
          status: "OPENING",
          qrcode: "",
          retries: this.backoff.attempts,
        });
        this.reconnectAfter(delay);
        return;
      }
      case "logout":
        await this.clearAuth();
        await driver.writeStatus(id, { status: "DISCONNECTED", qrcode: "", retries: 0 });
        await driver.retire(id, true);
        return;
      case "stop":
        await driver.writeStatus(id, { status: "DISCONNECTED", qrcode: "" });
        await driver.retire(id, true);
        return;
    }
  }

  private reconnectAfter(delayMs: number): void {
    this.timer = setTimeout(() => this.enqueue(() => this.connect()), delayMs);
    this.timer.unref();
  }

  private async clearAuth(): Promise<void> {
    await this.driver.context.sessions.clear(this.id);
    this.auth = undefined;
    this.awaitingScan = false;
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.socket = undefined;
    if (socket === undefined) return;
    socket.ev.removeAllListeners("connection.update");
    socket.ev.removeAllListeners("creds.update");
    try {
      socket.end(undefined);
    } catch {
      // Already closed.
    }
  }

  /** Ends the socket without touching the stored status or auth state. */
  stop(): void {
    this.stopped = true;
    this.open = false;
    clearTimeout(this.timer);
    this.dropSocket();
  }

  async send(message: OutgoingMessage): Promise<SentMessage> {
    const socket = this.socket;
    if (!this.open || socket === undefined) {
      throw new ChatiaError("CF_WA_DISCONNECTED", `connection ${this.id} is not open`, {
        details: { connectionId: this.id },
      });
    }
    const contents = messageContents(message);
    let last: SentProto | undefined;
    for (const [i, content] of contents.entries()) {
      try {
        last = await socket.sendMessage(message.jid, content);
      } catch (err) {
        const error = toGatewayError(err, this.id);
        // A part already went out (the text before an audio): a retry would send it twice.
        if (i > 0 && (error.code === "CF_WA_SEND_FAILED" || error.code === "CF_WA_DISCONNECTED")) {
          throw new ChatiaError(
            "CF_WA_SEND_UNCONFIRMED",
            `part ${i + 1} of ${contents.length} failed after the first was sent: ${error.message}`,
            { cause: err, details: { connectionId: this.id } },
          );
        }
        throw error;
      }
    }
    const stamp = last?.messageTimestamp;
    const seconds = typeof stamp === "number" ? stamp : stamp ? stamp.toNumber() : undefined;
    return {
      id: last?.key.id ?? "",
      jid: message.jid,
      timestamp: seconds === undefined ? Date.now() : seconds * 1000,
    };
  }
}
