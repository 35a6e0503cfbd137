// The baileys driver's decisions, as pure functions the tests drive directly: what a
// `connection.update` means for the connection (status, reconnect, logout), the reconnect
// schedule, how a send's content is built, and which CF_WA_* code a failure becomes.
import { extname } from "node:path";
import {
  type AnyMessageContent,
  type ConnectionState,
  DisconnectReason,
} from "@whiskeysockets/baileys";
import { ChatiaError } from "../../errors";
import type { OutgoingMessage } from "../../services/ports/whatsapp-gateway";

/** What to do when the socket closes. */
export type CloseAction =
  /** Open a new socket now (restartRequired: after pairing, WhatsApp asks for one). */
  | "reconnect"
  /** Open a new socket after the next backoff delay (connection closed, lost, timed out…). */
  | "backoff"
  /** Logged out (from the phone, or the account refused): clear the auth state, DISCONNECTED. */
  | "logout"
  /** The stored session is unusable: clear the auth state and pair again (new QR code). */
  | "re-pair"
  /** Nobody is pairing (the QR codes ran out): stop, DISCONNECTED until asked again. */
  | "stop";

export interface CloseContext {
  /** A QR code was shown and not scanned since the socket opened last. */
  readonly awaitingScan?: boolean;
}

export function closeAction(
  statusCode: number | undefined,
  context: CloseContext = {},
): CloseAction {
  // Baileys ends an unscanned pairing with timedOut once its QR codes are used up: nobody is
  // pairing, so the connection waits (DISCONNECTED) until someone asks for a new QR code.
  if (context.awaitingScan === true && statusCode === DisconnectReason.timedOut) return "stop";
  switch (statusCode) {
    case DisconnectReason.restartRequired:
      return "reconnect";
    case DisconnectReason.loggedOut:
    case DisconnectReason.forbidden:
    case DisconnectReason.multideviceMismatch:
      return "logout";
    case DisconnectReason.badSession:
      return "re-pair";
    default:
      // connectionClosed, connectionLost/timedOut, unavailableService, network errors, unknown;
      // also connectionReplaced: the lease makes this process the only owner, so the other
      // client is a stale one that will stop (a process that lost its lease never reconnects).
      return "backoff";
  }
}

export type ConnectionDecision =
  | { readonly kind: "qr"; readonly qr: string }
  | { readonly kind: "open" }
  | {
      readonly kind: "close";
      readonly action: CloseAction;
      readonly statusCode: number | undefined;
      readonly reason: string;
    };

/** What one `connection.update` event asks for; null when nothing changes for us. */
export function decideConnectionUpdate(
  update: Partial<ConnectionState>,
  context: CloseContext = {},
): ConnectionDecision | null {
  if (typeof update.qr === "string" && update.qr !== "") return { kind: "qr", qr: update.qr };
  if (update.connection === "open") return { kind: "open" };
  if (update.connection === "close") {
    const error = update.lastDisconnect?.error;
    const statusCode = statusCodeOf(error);
    return {
      kind: "close",
      action: closeAction(statusCode, context),
      statusCode,
      reason: error?.message ?? "connection closed",
    };
  }
  return null;
}

/** The HTTP-like status code baileys puts on its (Boom) errors. */
export function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const boom = error as { output?: { statusCode?: unknown }; statusCode?: unknown };
  const code = boom.output?.statusCode ?? boom.statusCode;
  return typeof code === "number" ? code : undefined;
}

export interface BackoffOptions {
  /** First delay before jitter. @defaultValue 1000 */
  readonly baseMs?: number;
  /** Largest delay before jitter. @defaultValue 60000 */
  readonly maxMs?: number;
  /** In [0, 1). @defaultValue Math.random */
  readonly random?: () => number;
}

/**
 * Exponential backoff with jitter: attempt n waits a random time in [d/2, d) with
 * d = min(maxMs, baseMs · 2ⁿ), so reconnects of many connections after one outage spread out.
 */
export class ReconnectBackoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 1000;
    this.maxMs = options.maxMs ?? 60_000;
    this.random = options.random ?? Math.random;
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next attempt, counting it. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return Math.round(ceiling / 2 + this.random() * (ceiling / 2));
  }

  /** After a successful open. */
  reset(): void {
    this.attempt = 0;
  }
}

const MIMETYPES: Readonly<Record<string, string>> = {
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".mp4": "video/mp4",
  ".3gp": "video/3gpp",
  ".mov": "video/quicktime",
  ".ogg": "audio/ogg; codecs=opus",
  ".opus": "audio/ogg; codecs=opus",
  ".mp3": "audio/mpeg",
  ".m4a": "audio/mp4",
  ".aac": "audio/aac",
  ".wav": "audio/wav",
  ".pdf": "application/pdf",
  ".txt": "text/plain",
  ".csv": "text/csv",
  ".doc": "application/msword",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".xls": "application/vnd.ms-excel",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ".zip": "application/zip",
};

/** The media type of a file by its extension; application/octet-stream when unknown. */
export function guessMimetype(path: string): string {
  return MIMETYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
}

/**
 * The baileys contents of one outgoing message, sent in order: text alone; media by its type
 * (image, video, audio, else document) with the text as caption; audio cannot carry a caption,
 * so audio with text sends the text first.
 */
export function messageContents(message: OutgoingMessage): AnyMessageContent[] {
  const { text, media } = message;
  if (media === undefined) return [{ text: text ?? "" }];
  const mimetype = media.mimetype ?? guessMimetype(media.path);
  const caption = media.caption ?? (text === "" ? undefined : text);
  const url = { url: media.path };
  const withCaption = caption === undefined ? {} : { caption };
  if (mimetype.startsWith("image/")) return [{ image: url, mimetype, ...withCaption }];
  if (mimetype.startsWith("video/")) return [{ video: url, mimetype, ...withCaption }];
  if (mimetype.startsWith("audio/")) {
    const audio: AnyMessageContent = { audio: url, mimetype, ptt: mimetype.includes("opus") };
    return caption === undefined ? [audio] : [{ text: caption }, audio];
  }
  const fileName = media.fileName ?? media.path.split(/[\\/]/).pop() ?? "file";
  return [{ document: url, mimetype, fileName, ...withCaption }];
}

/** Status codes of a socket that closed or was never open. */
const CONNECTION_GONE = new Set<number>([
  DisconnectReason.connectionClosed,
  DisconnectReason.connectionReplaced,
  DisconnectReason.loggedOut,
  DisconnectReason.badSession,
  DisconnectReason.restartRequired,
  DisconnectReason.forbidden,
  DisconnectReason.multideviceMismatch,
]);

/**
 * The ChatiaError a failed `sendMessage` becomes. A send that started and then lost its socket
 * may have reached WhatsApp: CF_WA_SEND_UNCONFIRMED (never CF_WA_DISCONNECTED, which promises
 * nothing was sent); a timeout is CF_WA_TIMEOUT; anything else WhatsApp or the upload refused is
 * CF_WA_SEND_FAILED. A ChatiaError passes through.
 */
export function toGatewayError(err: unknown, connectionId: number): ChatiaError {
  if (err instanceof ChatiaError) return err;
  const statusCode = statusCodeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const details = { connectionId, ...(statusCode === undefined ? {} : { statusCode }) };
  if (statusCode === DisconnectReason.timedOut) {
    return new ChatiaError(
      "CF_WA_TIMEOUT",
      `send on connection ${connectionId} timed out: ${message}`,
      {
        cause: err,
        details,
      },
    );
  }
  if (statusCode !== undefined && CONNECTION_GONE.has(statusCode)) {
    return new ChatiaError(
      "CF_WA_SEND_UNCONFIRMED",
      `connection ${connectionId} closed during the send (${message}); WhatsApp may have the message`,
      { cause: err, details },
    );
  }
  return new ChatiaError(
    "CF_WA_SEND_FAILED",
    `send on connection ${connectionId} failed: ${message}`,
    {
      cause: err,
      details,
    },
  );
}
