// Company events emitted from any process (worker or api) through Redis: the socket.io Redis
// emitter publishes them, and the Redis adapter of every `api` process delivers them to the
// sockets of that company's namespace. Emitter and adapter agree on one channel key.
import { Emitter } from "@socket.io/redis-emitter";
import {
  type CompanyEvents,
  type CompanyTopic,
  companyEventName,
  companyNamespace,
  toEventPayload,
} from "../../services/ports/events";
import type { Redis } from "../redis";

/** The Redis channel prefix of socket.io's adapter and emitter for a deployment's key prefix. */
export function socketChannelKey(prefix: string): string {
  return `${prefix}:socket.io`;
}

export class RedisCompanyEvents implements CompanyEvents {
  readonly #emitter: Emitter;

  /**
   * `redis` is a command client (publishing only); `prefix` is the deployment's key prefix.
   * A publish that fails (Redis gone while closing) is reported to `onError` rather than left as
   * an unhandled rejection: a lost live event must not stop the process.
   */
  constructor(redis: Redis, prefix: string, onError: (err: unknown) => void = () => undefined) {
    const publisher = {
      publish: (channel: string, message: string | Buffer) =>
        redis.publish(channel, message).catch(onError),
    };
    this.#emitter = new Emitter(publisher, { key: socketChannelKey(prefix) });
  }

  emit(companyId: number, topic: CompanyTopic, payload: unknown): void {
    this.#emitter
      .of(companyNamespace(companyId))
      .emit(companyEventName(companyId, topic), toEventPayload(payload));
  }
}
