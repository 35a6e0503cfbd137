// Removes the waiting, paused and delayed jobs of a queue whose ids a predicate accepts (e.g. the
// jobs of a cancelled campaign, `campaign-<id>-…`), reading ids only: the delayed set is scanned
// with a MATCH pattern on the server, the wait lists a page at a time. Active jobs are left alone.
import type { RemoveByIdOptions } from "../../services/ports/job-queue";
import type { BullQueue } from "./bull-queue-adapter";

const PAGE = 1000;

export type { RemoveByIdOptions };

/** Returns the ids removed. A job that became active meanwhile is not removed (Bull refuses). */
export async function removeWaitingJobs(
  queue: BullQueue,
  options: RemoveByIdOptions,
): Promise<string[]> {
  const ids = new Set<string>();
  for (const list of ["wait", "paused"]) {
    for await (const page of listPages(queue, queue.toKey(list)))
      for (const id of page) if (options.accepts(id)) ids.add(id);
  }
  for await (const page of zscan(queue, queue.toKey("delayed"), options.pattern))
    for (const id of page) if (options.accepts(id)) ids.add(id);
  const removed: string[] = [];
  const all = [...ids];
  for (let i = 0; i < all.length; i += PAGE) {
    await Promise.all(
      all.slice(i, i + PAGE).map(async (id) => {
        const job = await queue.getJob(id);
        if (job === null) return;
        try {
          await job.remove();
          removed.push(id);
        } catch {
          // Locked: it started meanwhile; its own run sees the cancelled status.
        }
      }),
    );
  }
  return removed;
}

async function* listPages(queue: BullQueue, key: string): AsyncGenerator<string[]> {
  for (let start = 0; ; start += PAGE) {
    const page = await queue.client.lrange(key, start, start + PAGE - 1);
    if (page.length > 0) yield page;
    if (page.length < PAGE) return;
  }
}

async function* zscan(queue: BullQueue, key: string, pattern: string): AsyncGenerator<string[]> {
  let cursor = "0";
  do {
    const [next, flat] = await queue.client.zscan(key, cursor, "MATCH", pattern, "COUNT", PAGE);
    cursor = next;
    // ZSCAN answers member, score, member, score…
    const members = flat.filter((_, i) => i % 2 === 0);
    if (members.length > 0) yield members;
  } while (cursor !== "0");
}
