// Where a message's media file may come from: only its company's folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatiaError } from "../../../runtime/errors";
import { mediaKindOf, resolveMediaFile } from "../../../runtime/services/media-file";

let mediaDir: string;
let company: string;

beforeAll(() => {
  mediaDir = mkdtempSync(path.join(os.tmpdir(), "chatia-media-"));
  company = path.join(mediaDir, "company7");
  mkdirSync(path.join(company, "a"), { recursive: true });
  writeFileSync(path.join(company, "a", "voz.OGG"), "ogg");
  writeFileSync(path.join(company, "..dotted.pdf"), "pdf");
});

afterAll(() => {
  rmSync(mediaDir, { recursive: true, force: true });
});

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (err: unknown) => (err as ChatiaError).code,
  );

describe("resolveMediaFile", () => {
  it("accepts relative and absolute paths inside the company's folder", async () => {
    const relative = await resolveMediaFile(mediaDir, 7, "a/../a/voz.OGG");
    expect(relative).toEqual({
      path: path.join(company, "a", "voz.OGG"),
      relativePath: "a/voz.OGG",
      fileName: "voz.OGG",
      kind: "audio",
    });
    const absolute = await resolveMediaFile(mediaDir, 7, path.join(company, "a", "voz.OGG"));
    expect(absolute.relativePath).toBe("a/voz.OGG");
    expect((await resolveMediaFile(mediaDir, 7, "..dotted.pdf")).kind).toBe("document");
  });

  it("refuses the folder itself, its parent, another company's and NUL tricks", async () => {
    expect(await code(resolveMediaFile(mediaDir, 7, "."))).toBe("CF_MEDIA_OUTSIDE");
    expect(await code(resolveMediaFile(mediaDir, 7, ".."))).toBe("CF_MEDIA_OUTSIDE");
    expect(await code(resolveMediaFile(mediaDir, 8, "../company7/a/voz.OGG"))).toBe(
      "CF_MEDIA_OUTSIDE",
    );
    expect(await code(resolveMediaFile(mediaDir, 7, "a/voz.OGG\0.pdf"))).toBe("CF_MEDIA_OUTSIDE");
    expect(await code(resolveMediaFile(mediaDir, 7, "a/none.png"))).toBe("CF_MEDIA_MISSING");
  });
});

describe("mediaKindOf", () => {
  it("maps extensions to ChatIA's media types, anything else to document", () => {
    expect(["x.jpeg", "x.mp4", "x.opus", "x.docx", "noext"].map(mediaKindOf)).toEqual([
      "image",
      "video",
      "audio",
      "document",
      "document",
    ]);
  });
});
