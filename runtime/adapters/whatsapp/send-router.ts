// Sends routed to the process that owns the connection's socket. A process that does not own
// connection N pushes the send onto N's request list (`<prefix>wa:send:<N>`); the owner pops it
// (BLPOP over the lists of the connections it owns), sends, and publishes the outcome on the
// requester's reply channel (`<prefix>wa:reply:<requester>`).
//
// At most once: a request the owner has not taken when the requester gives up is removed by the
// requester (LREM, atomic against BLPOP) and reported as CF_WA_DISCONNECTED — nothing was sent.
// One the owner took but did not answer in time is CF_WA_TIMEOUT (in doubt). An owner drops a
// request whose deadline has passed instead of sending it late.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { ChatiaError, isErrorCode } from "../../errors";
import type { OutgoingMessage, SentMessage } from "../../services/ports/whatsapp-gateway";
import type { Redis } from "../redis/connection";

export interface SendRouterOptions {
  /** Key prefix, e.g. `bull:chatia:`. */
  readonly prefix: string;
  /** This process's owner id (the leases' one). */
  readonly ownerId: string;
  /** How long a requester waits for the owner's answer, ms. */
  readonly timeoutMs: number;
  /** Clock for deadlines, epoch ms. @defaultValue Date.now */
  readonly clock?: () => number;
}

interface SendRequest {
  readonly id: string;
  readonly from: string;
  readonly connectionId: number;
  readonly message: OutgoingMessage;
  /** Epoch ms after which the owner must not send. */
  readonly deadline: number;
}

type SendReply =
  | { readonly id: string; readonly sent: SentMessage }
  | { readonly id: string; readonly error: { readonly code: string; readonly message: string } };

interface Pending {
  resolve(sent: SentMessage): void;
  reject(err: Error): void;
}

/** Most requests of one list taken in one turn after the first. */
const BATCH = 100;

export type LocalSend = (connectionId: number, message: OutgoingMessage) => Promise<SentMessage>;

export class SendRouter {
  private readonly clock: () => number;
  private readonly pending = new Map<string, Pending>();
  private readonly inFlight = new Set<Promise<void>>();
  private subscriber: Redis | undefined;
  private blocking: Redis | undefined;
  private serving: Promise<void> | undefined;
  private closed = false;

  /** `redis` is the caller's; the router opens (and closes) its own subscriber and blocking clients. */
  constructor(
    private readonly redis: Redis,
    private readonly options: SendRouterOptions,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  requestKey(connectionId: number): string {
    return `${this.options.prefix}wa:send:${connectionId}`;
  }

  private replyChannel(ownerId: string): string {
    return `${this.options.prefix}wa:reply:${ownerId}`;
  }

  /** Subscribes to this process's reply channel; call before `request`. */
  async start(): Promise<void> {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on("error", () => undefined);
    subscriber.on("message", (_channel: string, text: string) => this.onReply(text));
    await subscriber.subscribe(this.replyChannel(this.options.ownerId));
  }

  /** Sends through the owner `owner` of the connection and waits for its outcome. */
  async request(
    connectionId: number,
    message: OutgoingMessage,
    owner: string,
  ): Promise<SentMessage> {
    if (this.closed || this.subscriber === undefined) {
      throw new ChatiaError("CF_WA_DISCONNECTED", "the WhatsApp send router is closed", {
        details: { connectionId },
      });
    }
    const { timeoutMs } = this.options;
    const request: SendRequest = {
      id: randomUUID(),
      from: this.options.ownerId,
      connectionId,
      message,
      deadline: this.clock() + timeoutMs,
    };
    const text = JSON.stringify(request);
    const key = this.requestKey(connectionId);
    const answer = new Promise<SentMessage>((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
    });
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<"expired">((resolve) => {
      timer = setTimeout(() => resolve("expired"), timeoutMs);
    });
    try {
      await this.redis
        .multi()
        .rpush(key, text)
        .pexpire(key, timeoutMs * 2)
        .exec();
      const outcome = await Promise.race([answer, expired]);
      if (outcome !== "expired") return outcome;
      const removed = await this.redis.lrem(key, 1, text);
      const details = { connectionId, owner, timeoutMs };
      if (removed === 1) {
        throw new ChatiaError(
          "CF_WA_DISCONNECTED",
          `the process owning connection ${connectionId} did not take the send within ${timeoutMs} ms; nothing was sent`,
          { details },
        );
      }
      throw new ChatiaError(
        "CF_WA_TIMEOUT",
        `the process owning connection ${connectionId} took the send but did not answer within ${timeoutMs} ms`,
        { details },
      );
    } finally {
      clearTimeout(timer);
      this.pending.delete(request.id);
    }
  }

  /**
   * Serves the requests of the connections `owned()` returns, sending each through `send`, until
   * close(). Requests are handled concurrently; the loop picks up changes of `owned()` within a
   * second.
   */
  serve(owned: () => readonly number[], send: LocalSend): void {
    if (this.serving !== undefined) throw new Error("the send router is already serving");
    const blocking = this.redis.duplicate();
    blocking.on("error", () => undefined);
    this.blocking = blocking;
    this.serving = this.loop(blocking, owned, send);
  }

  private async loop(blocking: Redis, owned: () => readonly number[], send: LocalSend) {
    while (!this.closed) {
      const keys = owned().map((id) => this.requestKey(id));
      if (keys.length === 0) {
        await sleep(200);
        continue;
      }
      let popped: [string, string] | null;
      try {
        popped = await blocking.blpop(...keys, 1);
      } catch {
        if (this.closed) return;
        await sleep(200);
        continue;
      }
      if (popped === null) continue;
      // Whatever else waits on that list comes in the same turn (BLPOP takes one at a time).
      this.take(popped[1], send);
      const more = await blocking.lpop(popped[0], BATCH).catch(() => null);
      for (const text of more ?? []) this.take(text, send);
    }
  }

  private take(text: string, send: LocalSend): void {
    const work = this.handle(text, send)
      .catch(() => undefined) // A malformed request, or Redis gone while answering.
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  private async handle(text: string, send: LocalSend): Promise<void> {
    const request = JSON.parse(text) as SendRequest;
    if (this.clock() > request.deadline) return;
    let reply: SendReply;
    try {
      reply = { id: request.id, sent: await send(request.connectionId, request.message) };
    } catch (err) {
      const code = err instanceof ChatiaError ? err.code : "CF_WA_SEND_FAILED";
      reply = { id: request.id, error: { code, message: (err as Error).message } };
    }
    await this.redis.publish(this.replyChannel(request.from), JSON.stringify(reply));
  }

  private onReply(text: string): void {
    const reply = JSON.parse(text) as SendReply;
    const pending = this.pending.get(reply.id);
    if (pending === undefined) return;
    if ("sent" in reply) pending.resolve(reply.sent);
    else {
      const code = isErrorCode(reply.error.code) ? reply.error.code : "CF_WA_SEND_FAILED";
      pending.reject(new ChatiaError(code, reply.error.message, { details: { routed: true } }));
    }
  }

  /** Stops serving (sends under way get up to timeoutMs to answer) and closes the router's clients. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.blocking?.disconnect();
    await this.serving;
    // Sends under way may answer, for as long as their requesters wait at most.
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      sleep(this.options.timeoutMs, undefined, { ref: false }),
    ]);
    // The owner may have taken these sends: their outcome is unknown here.
    for (const pending of this.pending.values()) {
      pending.reject(
        new ChatiaError(
          "CF_WA_TIMEOUT",
          "the WhatsApp send router closed before the owner answered",
        ),
      );
    }
    await this.subscriber?.quit().catch(() => undefined);
  }
}
