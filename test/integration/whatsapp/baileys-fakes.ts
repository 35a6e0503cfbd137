// What the baileys driver tests stand in for the network: a socket that emits the
// `connection.update` events a test tells it to and records what it is asked to send (no
// WhatsApp server is reachable here), and a recorder of company events.
import { EventEmitter } from "node:events";
import type { AnyMessageContent, ConnectionState } from "@whiskeysockets/baileys";
import type {
  BaileysSocket,
  SentProto,
  SocketFactory,
  SocketFactoryConfig,
} from "../../../runtime/adapters/whatsapp/baileys-driver";
import { type CompanyEvents, toEventPayload } from "../../../runtime/services/ports/events";

export class FakeSocket implements BaileysSocket {
  readonly ev = new EventEmitter();
  readonly sent: { jid: string; content: AnyMessageContent }[] = [];
  ended = false;
  /** Errors the next sends throw, in order. */
  readonly failures: Error[] = [];
  private seq = 0;

  constructor(readonly config: SocketFactoryConfig) {}

  async sendMessage(jid: string, content: AnyMessageContent): Promise<SentProto> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push({ jid, content });
    this.seq += 1;
    return {
      key: { id: `FAKE-${this.config.connectionId}-${this.seq}` },
      messageTimestamp: 1_700_000_000,
    };
  }

  end(): void {
    this.ended = true;
  }

  update(update: Partial<ConnectionState>): void {
    this.ev.emit("connection.update", update);
  }

  close(statusCode: number, message = "closed"): void {
    const error = Object.assign(new Error(message), { isBoom: true, output: { statusCode } });
    this.update({ connection: "close", lastDisconnect: { error, date: new Date() } });
  }
}

/** A socket factory keeping every socket it made, by connection. */
export function fakeSockets(): { factory: SocketFactory; of(connectionId: number): FakeSocket[] } {
  const made = new Map<number, FakeSocket[]>();
  return {
    factory: (config) => {
      const socket = new FakeSocket(config);
      made.set(config.connectionId, [...(made.get(config.connectionId) ?? []), socket]);
      return socket;
    },
    of: (connectionId) => made.get(connectionId) ?? [],
  };
}

export interface EmittedEvent {
  readonly companyId: number;
  readonly topic: string;
  readonly payload: {
    readonly action?: string;
    readonly session?: { readonly id?: number; readonly status?: string; readonly qrcode?: string };
  };
}

export class RecordingEvents implements CompanyEvents {
  readonly emitted: EmittedEvent[] = [];
  emit(companyId: number, topic: string, payload: unknown): void {
    this.emitted.push({
      companyId,
      topic,
      payload: toEventPayload(payload) as EmittedEvent["payload"],
    });
  }
}

export function boom(statusCode: number, message = "boom"): Error {
  return Object.assign(new Error(message), { isBoom: true, output: { statusCode } });
}

export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
