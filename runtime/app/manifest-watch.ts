// Watches the manifest for edits. Editors often save by writing a new file and renaming it over
// the old one, so the folder is watched (a watch on the file itself would go deaf after that).
import { watch } from "node:fs";
import path from "node:path";

/** Calls `onChange` (debounced) after each change of `file`; returns a function that stops watching. */
export function watchManifest(file: string, onChange: () => void, debounceMs = 250): () => void {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(path.dirname(file), (_event, name) => {
    if (name !== path.basename(file)) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
