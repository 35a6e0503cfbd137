// The simulated driver's shared state in Redis: per-connection behaviour and the log of sends,
// so that every worker process and the test that steers them see one world.
import {
  CONNECTION_STATUSES,
  type ConnectionStatus,
  type OutgoingMedia,
} from "../../services/ports/whatsapp-gateway";

/** How a simulated connection behaves; every field may be changed from any process. */
export interface SimulatedBehaviour {
  /** Sends on anything but CONNECTED throw CF_WA_DISCONNECTED. @defaultValue "CONNECTED" */
  readonly status?: ConnectionStatus;
  /** The next N sends fail with `failWith`, counted across all processes. @defaultValue 0 */
  readonly failNext?: number;
  /** What the `failNext` sends throw. @defaultValue "CF_WA_SEND_FAILED" */
  readonly failWith?: SimulatedFailure;
  /** How long each send takes, in ms. @defaultValue 0 */
  readonly latencyMs?: number;
}

export type SimulatedFailure =
  | "CF_WA_SEND_FAILED"
  | "CF_WA_TIMEOUT"
  | "CF_WA_DISCONNECTED"
  | "CF_WA_BAD_RECIPIENT";

const FAILURES: readonly SimulatedFailure[] = [
  "CF_WA_SEND_FAILED",
  "CF_WA_TIMEOUT",
  "CF_WA_DISCONNECTED",
  "CF_WA_BAD_RECIPIENT",
];

export const DEFAULT_BEHAVIOUR: Required<SimulatedBehaviour> = {
  status: "CONNECTED",
  failNext: 0,
  failWith: "CF_WA_SEND_FAILED",
  latencyMs: 0,
};

/** One successful send, as recorded. */
export interface SimulatedSend {
  readonly id: string;
  readonly connectionId: number;
  readonly jid: string;
  readonly text?: string;
  readonly media?: OutgoingMedia;
  /** When the send was started, epoch ms on the sender's clock. */
  readonly startedAt: number;
  /** When it completed (startedAt + latency), epoch ms on the sender's clock. */
  readonly timestamp: number;
  /** The process that sent it. */
  readonly pid: number;
}

/** The Redis keys of one simulated world. */
export function worldKeys(prefix: string) {
  return {
    sends: `${prefix}sim:sends`,
    /** Message-id counter; kept by reset() so ids stay unique for the prefix's lifetime. */
    seq: `${prefix}sim:seq`,
    connection: (connectionId: number) => `${prefix}sim:conn:${connectionId}`,
    connectionPattern: `${escapeGlob(prefix)}sim:conn:*`,
  };
}

/** Checks a behaviour update; throws TypeError (a bug in the test or demo steering it). */
export function assertBehaviour(behaviour: SimulatedBehaviour): void {
  const { status, failNext, failWith, latencyMs } = behaviour;
  if (status !== undefined && !CONNECTION_STATUSES.includes(status)) {
    throw new TypeError(`unknown status ${JSON.stringify(status)}`);
  }
  if (failNext !== undefined && !(Number.isInteger(failNext) && failNext >= 0)) {
    throw new TypeError("failNext must be a whole number >= 0");
  }
  if (failWith !== undefined && !FAILURES.includes(failWith)) {
    throw new TypeError(`failWith must be one of ${FAILURES.join(", ")}`);
  }
  if (latencyMs !== undefined && !(Number.isFinite(latencyMs) && latencyMs >= 0)) {
    throw new TypeError("latencyMs must be a number >= 0");
  }
}

/** A behaviour hash (HGETALL) with defaults filled in. */
export function parseBehaviour(hash: Record<string, string>): Required<SimulatedBehaviour> {
  return {
    status: (hash.status as ConnectionStatus | undefined) ?? DEFAULT_BEHAVIOUR.status,
    failNext: Number(hash.failNext ?? DEFAULT_BEHAVIOUR.failNext),
    failWith: (hash.failWith as SimulatedFailure | undefined) ?? DEFAULT_BEHAVIOUR.failWith,
    latencyMs: Number(hash.latencyMs ?? DEFAULT_BEHAVIOUR.latencyMs),
  };
}

/** The flat field list XADD takes for `send`. */
export function sendToFields(send: SimulatedSend): string[] {
  return ["id", send.id, ...sendDetailFields(send)];
}

/** sendToFields without the id (which the send script assigns). */
export function sendDetailFields(send: Omit<SimulatedSend, "id">): string[] {
  const fields = ["connectionId", String(send.connectionId), "jid", send.jid];
  if (send.text !== undefined) fields.push("text", send.text);
  if (send.media !== undefined) fields.push("media", JSON.stringify(send.media));
  fields.push("startedAt", String(send.startedAt), "timestamp", String(send.timestamp));
  fields.push("pid", String(send.pid));
  return fields;
}

/** The inverse of sendToFields, from an XRANGE entry's fields. */
export function fieldsToSend(fields: readonly string[]): SimulatedSend {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] as string] = fields[i + 1] as string;
  return {
    id: f.id ?? "",
    connectionId: Number(f.connectionId),
    jid: f.jid ?? "",
    ...(f.text === undefined ? {} : { text: f.text }),
    ...(f.media === undefined ? {} : { media: JSON.parse(f.media) as OutgoingMedia }),
    startedAt: Number(f.startedAt),
    timestamp: Number(f.timestamp),
    pid: Number(f.pid),
  };
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}
