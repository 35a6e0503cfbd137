// Files that survive a crash mid-write: content is flushed to a temporary file, then renamed into place.
import { open, readFile, rename } from "node:fs/promises";

/** Writes and flushes `file`, so that a rename that follows never exposes a half-written file. */
export async function writeDurably(file: string, text: string, mode = 0o644): Promise<void> {
  const handle = await open(file, "w", mode);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `file` atomically through `<file>.tmp`: readers see the old content or the new, never a mix. */
export async function replaceFile(file: string, text: string, mode = 0o644): Promise<void> {
  await writeDurably(`${file}.tmp`, text, mode);
  await rename(`${file}.tmp`, file);
}

/** The text of `file`, or undefined when it does not exist. */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
