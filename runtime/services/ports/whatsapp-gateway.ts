// The one interface every WhatsApp driver implements (baileys in production, the simulated
// driver for the demo and the tests), the shapes it sends and returns, and the jid rules.
import { ChatiaError } from "../../errors";

/** A connection's state, spelled as ChatIA's `Whatsapps.status` column spells it. */
export type ConnectionStatus = "CONNECTED" | "DISCONNECTED" | "OPENING" | "qrcode";

export const CONNECTION_STATUSES: readonly ConnectionStatus[] = [
  "CONNECTED",
  "DISCONNECTED",
  "OPENING",
  "qrcode",
];

export interface OutgoingMedia {
  /** A file the sending process can read. */
  readonly path: string;
  /** Guessed from the file name when absent. */
  readonly mimetype?: string;
  /** The name the recipient sees (documents). */
  readonly fileName?: string;
  readonly caption?: string;
}

/** Text, media, or both; a message with neither is rejected (CF_WA_BAD_MESSAGE). */
export type OutgoingMessage = { readonly jid: string } & (
  | { readonly text: string; readonly media?: OutgoingMedia }
  | { readonly text?: string; readonly media: OutgoingMedia }
);

export interface SentMessage {
  /** WhatsApp's id for the message (unique per driver world). */
  readonly id: string;
  readonly jid: string;
  /** When WhatsApp accepted it, epoch ms. */
  readonly timestamp: number;
}

/** Error codes a gateway call may throw, as ChatiaError. */
export type WhatsAppErrorCode =
  | "CF_WA_DISCONNECTED"
  | "CF_WA_SEND_FAILED"
  | "CF_WA_TIMEOUT"
  | "CF_WA_SEND_UNCONFIRMED"
  | "CF_WA_BAD_RECIPIENT"
  | "CF_WA_BAD_MESSAGE";

export interface WhatsAppGateway {
  /**
   * Sends through connection `connectionId` (a `Whatsapps.id`). Not paced: callers reserve a
   * slot first (KeyedPacer). Throws ChatiaError: CF_WA_BAD_RECIPIENT or CF_WA_BAD_MESSAGE (user,
   * do not retry); CF_WA_DISCONNECTED, CF_WA_SEND_FAILED, CF_WA_TIMEOUT or
   * CF_WA_SEND_UNCONFIRMED (operational; only the first two prove nothing was sent).
   */
  send(connectionId: number, message: OutgoingMessage): Promise<SentMessage>;
  /** The connection's current state; an unknown connection is reported, not thrown. */
  status(connectionId: number): Promise<ConnectionStatus>;
  /** Releases what the driver owns; later sends throw CF_WA_DISCONNECTED. */
  close(): Promise<void>;
}

const USER_JID = /^\d{1,15}@s\.whatsapp\.net$/;
const GROUP_JID = /^\d+(-\d+)?@g\.us$/;

/**
 * The jid for a phone number (`<digits>@s.whatsapp.net`, at most 15 digits as in E.164) or a
 * group id (`<digits>[-<digits>]@g.us`). Formatting (`+`, spaces, dashes of a phone number) is
 * dropped; anything that leaves no valid id throws CF_WA_BAD_RECIPIENT.
 */
export function toJid(number: string, isGroup: boolean): string {
  const id = isGroup ? number.replace(/[^\d-]/g, "") : number.replace(/\D/g, "");
  const jid = `${id}@${isGroup ? "g.us" : "s.whatsapp.net"}`;
  if (!isValidJid(jid)) {
    throw new ChatiaError(
      "CF_WA_BAD_RECIPIENT",
      `${JSON.stringify(number)} is not a valid WhatsApp ${isGroup ? "group id" : "number"}`,
      { details: { number, isGroup } },
    );
  }
  return jid;
}

/** Whether `jid` is a user or group jid this project sends to. */
export function isValidJid(jid: string): boolean {
  return USER_JID.test(jid) || GROUP_JID.test(jid);
}

/** Throws the user error a driver must raise for `message` before sending anything. */
export function assertSendable(message: OutgoingMessage): void {
  if (typeof message.jid !== "string" || !isValidJid(message.jid)) {
    throw new ChatiaError(
      "CF_WA_BAD_RECIPIENT",
      `${JSON.stringify(message.jid)} is not a valid WhatsApp jid`,
      { details: { jid: message.jid } },
    );
  }
  const hasText = typeof message.text === "string" && message.text !== "";
  const media = message.media;
  if (media !== undefined && !(typeof media.path === "string" && media.path !== "")) {
    throw new ChatiaError("CF_WA_BAD_MESSAGE", "the message's media has no path");
  }
  if (!hasText && media === undefined) {
    throw new ChatiaError("CF_WA_BAD_MESSAGE", "the message has neither text nor media");
  }
}
