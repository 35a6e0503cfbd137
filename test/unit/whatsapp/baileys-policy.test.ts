// The baileys driver's decisions: close reasons, connection updates, the reconnect schedule,
// message contents by media type, and the CF_WA_* code of each send failure.
import { DisconnectReason } from "@whiskeysockets/baileys";
import { describe, expect, it } from "vitest";
import {
  closeAction,
  decideConnectionUpdate,
  guessMimetype,
  messageContents,
  ReconnectBackoff,
  statusCodeOf,
  toGatewayError,
} from "../../../runtime/adapters/whatsapp/baileys-policy";
import { ChatiaError } from "../../../runtime/errors";

const JID = "5511999990001@s.whatsapp.net";

/** An error shaped as baileys' Boom errors are. */
function boom(statusCode: number, message = "boom"): Error {
  return Object.assign(new Error(message), { isBoom: true, output: { statusCode } });
}

describe("closeAction", () => {
  it.each([
    [DisconnectReason.restartRequired, "reconnect"],
    [DisconnectReason.connectionClosed, "backoff"],
    [DisconnectReason.connectionLost, "backoff"],
    [DisconnectReason.unavailableService, "backoff"],
    [undefined, "backoff"],
    [DisconnectReason.loggedOut, "logout"],
    [DisconnectReason.forbidden, "logout"],
    [DisconnectReason.multideviceMismatch, "logout"],
    [DisconnectReason.badSession, "re-pair"],
    [DisconnectReason.connectionReplaced, "backoff"],
  ] as const)("status %s → %s", (statusCode, action) => {
    expect(closeAction(statusCode)).toBe(action);
  });

  it("stops an unscanned pairing whose QR codes ran out, but retries a lost paired one", () => {
    expect(closeAction(DisconnectReason.timedOut, { awaitingScan: true })).toBe("stop");
    expect(closeAction(DisconnectReason.timedOut, { awaitingScan: false })).toBe("backoff");
    expect(closeAction(DisconnectReason.connectionClosed, { awaitingScan: true })).toBe("backoff");
  });
});

describe("decideConnectionUpdate", () => {
  it("reads a QR code, an open and a close with its reason", () => {
    expect(decideConnectionUpdate({ qr: "2@abc" })).toEqual({ kind: "qr", qr: "2@abc" });
    expect(decideConnectionUpdate({ connection: "open" })).toEqual({ kind: "open" });
    const error = boom(DisconnectReason.loggedOut, "Stream Errored (conflict)");
    expect(
      decideConnectionUpdate({ connection: "close", lastDisconnect: { error, date: new Date() } }),
    ).toEqual({
      kind: "close",
      action: "logout",
      statusCode: 401,
      reason: "Stream Errored (conflict)",
    });
  });

  it("ignores updates that change nothing for the connection", () => {
    expect(decideConnectionUpdate({ connection: "connecting" })).toBeNull();
    expect(decideConnectionUpdate({ receivedPendingNotifications: true })).toBeNull();
    expect(decideConnectionUpdate({ isOnline: true })).toBeNull();
  });

  it("treats a close without an error as a transient one", () => {
    expect(decideConnectionUpdate({ connection: "close" })).toMatchObject({
      kind: "close",
      action: "backoff",
      statusCode: undefined,
    });
  });

  it("reads the status code of Boom errors and plain ones", () => {
    expect(statusCodeOf(boom(515))).toBe(515);
    expect(statusCodeOf({ statusCode: 428 })).toBe(428);
    expect(statusCodeOf(new Error("x"))).toBeUndefined();
    expect(statusCodeOf(null)).toBeUndefined();
  });
});

describe("ReconnectBackoff", () => {
  it("doubles up to the maximum, each delay jittered within [d/2, d]", () => {
    const low = new ReconnectBackoff({ baseMs: 1000, maxMs: 8000, random: () => 0 });
    expect([1, 2, 3, 4, 5, 6].map(() => low.next())).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    const high = new ReconnectBackoff({ baseMs: 1000, maxMs: 8000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5].map(() => high.next())).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(high.attempts).toBe(5);
  });

  it("starts over after a reset", () => {
    const backoff = new ReconnectBackoff({ baseMs: 100, random: () => 0 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(50);
  });

  it("spreads many connections' delays with real randomness", () => {
    const delays = Array.from({ length: 200 }, () => new ReconnectBackoff().next());
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1000);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });
});

describe("messageContents", () => {
  it("sends text alone as text", () => {
    expect(messageContents({ jid: JID, text: "Olá" })).toEqual([{ text: "Olá" }]);
  });

  it("chooses image, video, audio or document by the media type, the text as caption", () => {
    const media = (path: string, mimetype?: string) => ({
      jid: JID,
      text: "legenda",
      media: { path, ...(mimetype ? { mimetype } : {}) },
    });
    expect(messageContents(media("/m/a.jpg"))).toEqual([
      { image: { url: "/m/a.jpg" }, mimetype: "image/jpeg", caption: "legenda" },
    ]);
    expect(messageContents(media("/m/a.bin", "video/mp4"))).toEqual([
      { video: { url: "/m/a.bin" }, mimetype: "video/mp4", caption: "legenda" },
    ]);
    expect(messageContents(media("/m/report.pdf"))).toEqual([
      {
        document: { url: "/m/report.pdf" },
        mimetype: "application/pdf",
        fileName: "report.pdf",
        caption: "legenda",
      },
    ]);
  });

  it("sends an audio's text first, as audio cannot carry a caption; ogg/opus as a voice note", () => {
    expect(messageContents({ jid: JID, text: "ouça", media: { path: "/m/v.ogg" } })).toEqual([
      { text: "ouça" },
      { audio: { url: "/m/v.ogg" }, mimetype: "audio/ogg; codecs=opus", ptt: true },
    ]);
    expect(messageContents({ jid: JID, media: { path: "/m/song.mp3" } })).toEqual([
      { audio: { url: "/m/song.mp3" }, mimetype: "audio/mpeg", ptt: false },
    ]);
  });

  it("uses the media's own caption and file name when given", () => {
    const [content] = messageContents({
      jid: JID,
      text: "texto",
      media: { path: "/m/x", mimetype: "text/csv", fileName: "lista.csv", caption: "a lista" },
    });
    expect(content).toEqual({
      document: { url: "/m/x" },
      mimetype: "text/csv",
      fileName: "lista.csv",
      caption: "a lista",
    });
  });

  it("guesses unknown extensions as octet-stream", () => {
    expect(guessMimetype("/m/file.xyz")).toBe("application/octet-stream");
    expect(guessMimetype("/m/PHOTO.PNG")).toBe("image/png");
  });
});

describe("toGatewayError", () => {
  it("maps a timeout to CF_WA_TIMEOUT", () => {
    const err = toGatewayError(boom(DisconnectReason.timedOut, "Timed Out"), 3);
    expect(err).toBeInstanceOf(ChatiaError);
    expect(err.code).toBe("CF_WA_TIMEOUT");
    expect(err.details).toEqual({ connectionId: 3, statusCode: 408 });
  });

  it("maps a socket lost during the send to CF_WA_SEND_UNCONFIRMED (in doubt, not 'nothing sent')", () => {
    for (const code of [428, 440, 401, 500, 515]) {
      expect(toGatewayError(boom(code, "Connection Closed"), 3).code).toBe(
        "CF_WA_SEND_UNCONFIRMED",
      );
    }
  });

  it("maps refusals and other failures to CF_WA_SEND_FAILED, and keeps ChatiaErrors", () => {
    expect(toGatewayError(boom(400, "bad-request"), 3).code).toBe("CF_WA_SEND_FAILED");
    expect(toGatewayError(new Error("upload failed"), 3).code).toBe("CF_WA_SEND_FAILED");
    const own = new ChatiaError("CF_WA_BAD_RECIPIENT", "no");
    expect(toGatewayError(own, 3)).toBe(own);
  });
});
