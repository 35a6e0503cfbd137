// The jid rules every WhatsApp driver shares.
import { describe, expect, it } from "vitest";
import type { OutgoingMessage } from "../../../runtime/adapters/whatsapp";
import { assertSendable, isValidJid, toJid } from "../../../runtime/adapters/whatsapp";

describe("toJid", () => {
  it("turns a formatted phone number into a user jid", () => {
    expect(toJid("+55 (11) 99999-1234", false)).toBe("5511999991234@s.whatsapp.net");
    expect(toJid("5511999991234", false)).toBe("5511999991234@s.whatsapp.net");
  });

  it("keeps a group id's dash", () => {
    expect(toJid("5511999991234-1612345678", true)).toBe("5511999991234-1612345678@g.us");
    expect(toJid("120363025246125888", true)).toBe("120363025246125888@g.us");
  });

  it("accepts a jid it already made", () => {
    expect(toJid("5511999991234@s.whatsapp.net", false)).toBe("5511999991234@s.whatsapp.net");
    expect(toJid("1203-63@g.us", true)).toBe("1203-63@g.us");
  });

  it.each([
    ["", false],
    ["abc", false],
    ["+", false],
    ["1234567890123456", false],
    ["", true],
    ["-", true],
    ["123-", true],
    ["1-2-3", true],
  ])("rejects %j (group: %s) with CF_WA_BAD_RECIPIENT", (number, isGroup) => {
    expect(() => toJid(number, isGroup)).toThrow(
      expect.objectContaining({ code: "CF_WA_BAD_RECIPIENT", kind: "user" }),
    );
  });
});

describe("assertSendable", () => {
  const jid = "5511999991234@s.whatsapp.net";

  it("accepts text, media, or both", () => {
    expect(() => assertSendable({ jid, text: "hi" })).not.toThrow();
    expect(() => assertSendable({ jid, media: { path: "/tmp/a.pdf" } })).not.toThrow();
    expect(() => assertSendable({ jid, text: "hi", media: { path: "/tmp/a.pdf" } })).not.toThrow();
  });

  it("rejects a bad jid, an empty message and media without a path", () => {
    const bad = (message: unknown) => () => assertSendable(message as OutgoingMessage);
    expect(bad({ jid: "5511@c.us", text: "hi" })).toThrow(
      expect.objectContaining({ code: "CF_WA_BAD_RECIPIENT" }),
    );
    expect(bad({ jid, text: "" })).toThrow(expect.objectContaining({ code: "CF_WA_BAD_MESSAGE" }));
    expect(bad({ jid, media: { path: "" } })).toThrow(
      expect.objectContaining({ code: "CF_WA_BAD_MESSAGE" }),
    );
  });

  it("knows user and group jids only", () => {
    expect(isValidJid(jid)).toBe(true);
    expect(isValidJid("1-2@g.us")).toBe(true);
    expect(isValidJid("status@broadcast")).toBe(false);
  });
});
