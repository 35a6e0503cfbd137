// Where a message's media file is: always inside its company's media folder
// (`<mediaDir>/company<companyId>/`), whatever path a job or a flow hands in.
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { ChatiaError } from "../errors";

/** ChatIA's `Messages.mediaType` values for media (text messages are "chat"). */
export type MediaKind = "image" | "video" | "audio" | "document";

export interface MediaFile {
  /** Absolute path the sending process reads. */
  readonly path: string;
  /** Path inside the company's folder, with `/` (what `Messages.mediaUrl` stores). */
  readonly relativePath: string;
  readonly fileName: string;
  readonly kind: MediaKind;
}

const KINDS: Readonly<Record<string, MediaKind>> = {
  ...Object.fromEntries(["jpg", "jpeg", "png", "gif", "webp", "bmp"].map((e) => [e, "image"])),
  ...Object.fromEntries(["mp4", "3gp", "mov", "avi", "mkv", "webm"].map((e) => [e, "video"])),
  ...Object.fromEntries(
    ["mp3", "ogg", "opus", "oga", "wav", "m4a", "aac", "amr"].map((e) => [e, "audio"]),
  ),
};

/** The kind WhatsApp sends a file as, by its extension; anything unknown is a document. */
export function mediaKindOf(fileName: string): MediaKind {
  return KINDS[path.extname(fileName).slice(1).toLowerCase()] ?? "document";
}

/** The folder of one company's media files. */
export function companyMediaDir(mediaDir: string, companyId: number): string {
  return path.resolve(mediaDir, `company${companyId}`);
}

/**
 * Resolves `mediaPath` (relative to the company's folder, or absolute inside it) to an existing
 * file. Throws CF_MEDIA_OUTSIDE when it leads outside the folder (`..`, another absolute path, a
 * symbolic link out of it) and CF_MEDIA_MISSING when there is no such file.
 */
export async function resolveMediaFile(
  mediaDir: string,
  companyId: number,
  mediaPath: string,
): Promise<MediaFile> {
  const root = companyMediaDir(mediaDir, companyId);
  const where = `the media folder of company ${companyId}`;
  const candidate = path.resolve(root, mediaPath);
  if (mediaPath.includes("\0") || !isInside(root, candidate)) {
    throw new ChatiaError(
      "CF_MEDIA_OUTSIDE",
      `media path ${JSON.stringify(mediaPath)} is outside ${where}`,
      {
        details: { mediaPath, companyId },
      },
    );
  }
  const real = await existingFile(candidate);
  if (real === undefined) {
    throw new ChatiaError(
      "CF_MEDIA_MISSING",
      `media file ${JSON.stringify(mediaPath)} is not in ${where}`,
      {
        details: { mediaPath, companyId },
      },
    );
  }
  if (!isInside(await realpath(root), real)) {
    throw new ChatiaError(
      "CF_MEDIA_OUTSIDE",
      `media path ${JSON.stringify(mediaPath)} is a link that leads outside ${where}`,
      { details: { mediaPath, companyId } },
    );
  }
  const relativePath = path.relative(root, candidate).split(path.sep).join("/");
  const fileName = path.basename(candidate);
  return { path: candidate, relativePath, fileName, kind: mediaKindOf(fileName) };
}

/** The real path of `file` when it is an existing regular file (after links), else undefined. */
async function existingFile(file: string): Promise<string | undefined> {
  try {
    if (!(await stat(file)).isFile()) return undefined;
    return await realpath(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP") return undefined;
    throw err;
  }
}

/** Whether `target` is strictly inside `dir` (both absolute and normalized). */
function isInside(dir: string, target: string): boolean {
  const relative = path.relative(dir, target);
  return (
    relative !== "" &&
    !relative.startsWith(`..${path.sep}`) &&
    relative !== ".." &&
    !path.isAbsolute(relative)
  );
}
