// The owner of each Bull job, remembered on the job's own hash (field `cf:owner`), so that a
// company's job list reads ids and these short tags rather than every job's data: the tag goes
// when Bull deletes the job, and a raw producer's job (ChatIA's backend) is tagged the first time
// a list meets it. Lists read ids newest first, as Bull's getJobs does.
import { LuaScript } from "../redis/lua-script";
import type { BullQueue, JobState } from "./bull-queue-adapter";

/** The field on a job's hash holding its owner: `c<companyId>`, or `system`. */
export const OWNER_FIELD = "cf:owner";

/** Writes a tag only on a job hash that still exists (a removed job must not come back as a stub). */
const TAG_IF_EXISTS = new LuaScript(
  `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
   return 0`,
  1,
);

const LISTS: Partial<Record<JobState, string>> = {
  waiting: "wait",
  active: "active",
  paused: "paused",
};

/** Ids of the jobs in `state`, newest first, at most `limit` of them. */
export async function idsInState(
  queue: BullQueue,
  state: JobState,
  limit: number,
): Promise<string[]> {
  const list = LISTS[state];
  if (list !== undefined) return queue.client.lrange(queue.toKey(list), 0, limit - 1);
  return queue.client.zrevrange(queue.toKey(state), 0, limit - 1);
}

/** The tag of each id (undefined: not tagged yet, or no such job), in one round trip. */
export async function readOwnerTags(
  queue: BullQueue,
  ids: readonly string[],
): Promise<(string | undefined)[]> {
  if (ids.length === 0) return [];
  const pipeline = queue.client.pipeline();
  for (const id of ids) pipeline.hget(queue.toKey(id), OWNER_FIELD);
  const replies = (await pipeline.exec()) ?? [];
  return ids.map((_, i) => {
    const value = replies[i]?.[1];
    return typeof value === "string" ? value : undefined;
  });
}

/** Name and data of each id (undefined for a job that is gone), without the rest of the job. */
export async function readJobHeads(
  queue: BullQueue,
  ids: readonly string[],
): Promise<({ name: string; data: unknown } | undefined)[]> {
  if (ids.length === 0) return [];
  const pipeline = queue.client.pipeline();
  for (const id of ids) pipeline.hmget(queue.toKey(id), "name", "data");
  const replies = (await pipeline.exec()) ?? [];
  return ids.map((_, i) => {
    const [name, data] = (replies[i]?.[1] as (string | null)[] | undefined) ?? [];
    if (typeof name !== "string") return undefined;
    return { name, data: parseData(data) };
  });
}

export async function writeOwnerTags(
  queue: BullQueue,
  tags: readonly (readonly [string, string])[],
): Promise<void> {
  await Promise.all(
    tags.map(([id, tag]) => TAG_IF_EXISTS.run(queue.client, [queue.toKey(id)], [OWNER_FIELD, tag])),
  );
}

function parseData(text: string | null | undefined): unknown {
  if (typeof text !== "string") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
