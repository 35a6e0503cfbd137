// The simulated WhatsApp driver, the default for the demo and the tests. Its world lives in
// Redis (see simulated-world.ts), so several worker processes send into one consistent world
// that a test process can read (`sends`) and steer (`setBehaviour`, `reset`).
import { setTimeout as sleep } from "node:timers/promises";
import { ChatiaError } from "../../errors";
import {
  assertSendable,
  type ConnectionStatus,
  type OutgoingMessage,
  type SentMessage,
  type WhatsAppGateway,
} from "../../services/ports/whatsapp-gateway";
import type { Redis } from "../redis/connection";
import { LuaScript } from "../redis/lua-script";
import {
  assertBehaviour,
  fieldsToSend,
  parseBehaviour,
  type SimulatedBehaviour,
  type SimulatedFailure,
  type SimulatedSend,
  sendDetailFields,
  sendToFields,
  worldKeys,
} from "./simulated-world";

export interface SimulatedWhatsAppOptions {
  /** Key prefix shared by every process that must see the same simulated world. */
  readonly prefix: string;
  /** Clock for the recorded times, epoch ms. @defaultValue Date.now */
  readonly clock?: () => number;
  /** A send whose latency exceeds this fails with CF_WA_TIMEOUT after this long. @defaultValue 30000 */
  readonly sendTimeoutMs?: number;
  /** The send log keeps about this many of the latest sends. @defaultValue 10000 */
  readonly maxRecordedSends?: number;
}

// Decides one send atomically, so `failNext` counts down exactly once per send across processes;
// a send without latency is recorded by the same script (one round trip).
// KEYS: the connection's behaviour hash, the message-id counter, the send log.
// ARGV: the log's approximate length cap, then the send's fields but its id.
// Replies one of { "status", <status> } | { "fail", <code>, <latencyMs> } |
// { "ok", <message id>, <latencyMs> } (record it after the latency) | { "sent", <message id> }.
const DECIDE_SEND = new LuaScript(
  `
local b = redis.call('HMGET', KEYS[1], 'status', 'failNext', 'failWith', 'latencyMs')
local latency = b[4] or '0'
if b[1] and b[1] ~= 'CONNECTED' then return { 'status', b[1] } end
if tonumber(b[2] or '0') > 0 then
  redis.call('HINCRBY', KEYS[1], 'failNext', -1)
  return { 'fail', b[3] or 'CF_WA_SEND_FAILED', latency }
end
local id = 'SIM' .. redis.call('INCR', KEYS[2])
if tonumber(latency) > 0 then return { 'ok', id, latency } end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[1], '*', 'id', id, unpack(ARGV, 2))
return { 'sent', id }
`,
  3,
);

export class SimulatedWhatsApp implements WhatsAppGateway {
  private readonly keys: ReturnType<typeof worldKeys>;
  private readonly clock: () => number;
  private closed = false;

  /** `redis` is the caller's: close() leaves it open. */
  constructor(
    private readonly redis: Redis,
    private readonly options: SimulatedWhatsAppOptions,
  ) {
    this.keys = worldKeys(options.prefix);
    this.clock = options.clock ?? Date.now;
  }

  /**
   * Status and `failNext` are decided when the send starts; then the send takes `latencyMs`
   * and, if it succeeds, is recorded. A failed or refused send records nothing.
   */
  async send(connectionId: number, message: OutgoingMessage): Promise<SentMessage> {
    this.assertOpen(connectionId);
    assertSendable(message);
    const startedAt = this.clock();
    const keys = [this.keys.connection(connectionId), this.keys.seq, this.keys.sends];
    const details = {
      connectionId,
      jid: message.jid,
      ...(message.text === undefined ? {} : { text: message.text }),
      ...(message.media === undefined ? {} : { media: message.media }),
      startedAt,
      timestamp: startedAt,
      pid: process.pid,
    };
    const args = [this.maxRecordedSends(), ...sendDetailFields(details)];
    const [verdict, value, latency] = (await DECIDE_SEND.run(this.redis, keys, args)) as string[];
    if (verdict === "sent") return { id: value as string, jid: message.jid, timestamp: startedAt };
    if (verdict === "status") {
      throw new ChatiaError("CF_WA_DISCONNECTED", `connection ${connectionId} is ${value}`, {
        details: { connectionId, status: value },
      });
    }
    await this.takeLatency(connectionId, Number(latency));
    if (verdict === "fail") throw simulatedFailure(value as SimulatedFailure, connectionId);
    const sent: SimulatedSend = { ...details, id: value as string, timestamp: this.clock() };
    await this.record(sent);
    return { id: sent.id, jid: sent.jid, timestamp: sent.timestamp };
  }

  async status(connectionId: number): Promise<ConnectionStatus> {
    return (await this.behaviour(connectionId)).status;
  }

  /** Later sends through this instance throw; the world in Redis and the client stay. */
  async close(): Promise<void> {
    this.closed = true;
  }

  /** Changes the given fields of the connection's behaviour, visible to every process at once. */
  async setBehaviour(connectionId: number, behaviour: SimulatedBehaviour): Promise<void> {
    assertConnectionId(connectionId);
    assertBehaviour(behaviour);
    const fields = Object.entries(behaviour).filter(([, value]) => value !== undefined);
    if (fields.length === 0) return;
    await this.redis.hset(this.keys.connection(connectionId), Object.fromEntries(fields));
  }

  /** The connection's behaviour now, defaults filled in. */
  async behaviour(connectionId: number): Promise<Required<SimulatedBehaviour>> {
    assertConnectionId(connectionId);
    return parseBehaviour(await this.redis.hgetall(this.keys.connection(connectionId)));
  }

  /** Recorded sends, oldest first: all, or those of one connection or jid. */
  async sends(filter: { connectionId?: number; jid?: string } = {}): Promise<SimulatedSend[]> {
    const entries = await this.redis.xrange(this.keys.sends, "-", "+");
    return entries
      .map(([, fields]) => fieldsToSend(fields))
      .filter(
        (send) => filter.connectionId === undefined || send.connectionId === filter.connectionId,
      )
      .filter((send) => filter.jid === undefined || send.jid === filter.jid);
  }

  /** Forgets every send and behaviour (all connections CONNECTED again); ids keep counting. */
  async reset(): Promise<void> {
    const doomed = [this.keys.sends, ...(await this.connectionKeys())];
    await this.redis.del(...doomed);
  }

  private async connectionKeys(): Promise<string[]> {
    const found: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await this.redis.scan(cursor, "MATCH", this.keys.connectionPattern);
      found.push(...keys);
      cursor = next;
    } while (cursor !== "0");
    return found;
  }

  private async takeLatency(connectionId: number, latencyMs: number): Promise<void> {
    const timeoutMs = this.options.sendTimeoutMs ?? 30_000;
    if (latencyMs <= timeoutMs) {
      if (latencyMs > 0) await sleep(latencyMs);
      return;
    }
    await sleep(timeoutMs);
    throw simulatedFailure("CF_WA_TIMEOUT", connectionId);
  }

  private async record(sent: SimulatedSend): Promise<void> {
    const maxLen = this.maxRecordedSends();
    await this.redis.xadd(this.keys.sends, "MAXLEN", "~", maxLen, "*", ...sendToFields(sent));
  }

  private maxRecordedSends(): number {
    return this.options.maxRecordedSends ?? 10_000;
  }

  private assertOpen(connectionId: number): void {
    assertConnectionId(connectionId);
    if (this.closed) {
      throw new ChatiaError("CF_WA_DISCONNECTED", "the simulated WhatsApp gateway is closed", {
        details: { connectionId },
      });
    }
  }
}

function simulatedFailure(code: SimulatedFailure, connectionId: number): ChatiaError {
  return new ChatiaError(code, `simulated failure on connection ${connectionId}`, {
    details: { connectionId, simulated: true },
  });
}

/** Connection ids are `Whatsapps.id` values; anything else is a bug in the caller. */
function assertConnectionId(connectionId: number): void {
  if (!Number.isSafeInteger(connectionId) || connectionId < 1) {
    throw new TypeError(`connection id must be a whole number >= 1, got ${connectionId}`);
  }
}
