// A full garbage collection on request, for long loops that allocate and drop a lot (a campaign's
// expansion writes a million rows a page at a time). V8 sizes its old generation by allocation
// rate, not by what is alive: pages that survived a scavenge while awaiting their INSERT pile up
// as garbage, and a worker's RSS grew from ~190 MB to ~400 MB over a 1,000,000-contact list
// although only ~70 MB stayed alive. One collection every so many pages keeps it near the live
// size; it costs a few tens of milliseconds each time.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let collect: (() => void) | null | undefined;

/** Runs a full collection now (when the runtime allows it; a no-op otherwise). */
export function collectGarbage(): void {
  if (collect === undefined) collect = loadGc();
  collect?.();
}

function loadGc(): (() => void) | null {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === "function") return exposed;
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as unknown;
    return typeof gc === "function" ? (gc as () => void) : null;
  } catch {
    return null;
  }
}
