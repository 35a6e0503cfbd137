// A company's jobs in a queue, read through the owner tags (adapters/bull/owner-tags.ts): a list
// reads the state's ids and their tags, resolves (and tags) only the jobs never seen before, and
// loads only the page it answers. Used by the queue API and Bull Board alike.

import {
  JOB_STATES,
  type JobQueue,
  type JobState,
  type QueuedJob,
} from "../services/ports/job-queue";
import { type Caller, type Owner, Ownership } from "./ownership";

/** A state's ids beyond this many (newest first) are not listed to a company. */
export const TENANT_SCAN_LIMIT = 10_000;

export class OwnedJobs {
  constructor(
    private readonly ownership: Ownership,
    private readonly scanLimit = TENANT_SCAN_LIMIT,
  ) {}

  /** The owner of each id of `queue` (tags first; the rest resolved, then tagged when final). */
  async owners(queue: JobQueue, ids: readonly string[]): Promise<Map<string, Owner>> {
    const tags = await queue.readOwnerTags(ids);
    const owners = new Map<string, Owner>();
    const untagged: string[] = [];
    ids.forEach((id, i) => {
      const owner = fromTag(tags[i]);
      if (owner) owners.set(id, owner);
      else untagged.push(id);
    });
    const heads = await queue.readJobHeads(untagged);
    const refs = untagged.flatMap((id, i) => {
      const head = heads[i];
      return head ? [{ queue: queue.name, name: head.name, id, data: head.data }] : [];
    });
    const resolved = await this.ownership.ownersOf(refs);
    const toTag: [string, string][] = [];
    refs.forEach((ref, i) => {
      const owner = resolved[i] as Owner;
      owners.set(ref.id, owner);
      const tag = toTagValue(owner);
      if (tag !== undefined) toTag.push([ref.id, tag]);
    });
    await queue.writeOwnerTags(toTag);
    return owners;
  }

  /** The job if `caller` may see it; undefined when it is missing or not theirs alike. */
  async visibleJob(caller: Caller, queue: JobQueue, id: string): Promise<QueuedJob | undefined> {
    const job = await queue.findJob(id);
    if (!job || caller.super) return job;
    const owner = (await this.owners(queue, [String(job.id)])).get(String(job.id));
    return owner && Ownership.mayAct(caller, owner) ? job : undefined;
  }

  /** The ids of `states` (in that order, each newest first) that `caller` may see. */
  async visibleIds(
    caller: Caller,
    queue: JobQueue,
    states: readonly JobState[],
  ): Promise<string[]> {
    const visible: string[] = [];
    for (const state of states) {
      const ids = await queue.idsInState(state, this.scanLimit);
      const owners = await this.owners(queue, ids);
      for (const id of ids) {
        const owner = owners.get(id);
        if (owner && Ownership.mayAct(caller, owner)) visible.push(id);
      }
    }
    return visible;
  }

  /** A page (`start`..`end` inclusive) of the caller's jobs in `states`, and their total. */
  async page(
    caller: Caller,
    queue: JobQueue,
    states: readonly JobState[],
    start: number,
    end: number,
  ): Promise<{ total: number; jobs: QueuedJob[] }> {
    const ids = await this.visibleIds(caller, queue, states);
    const jobs = await Promise.all(ids.slice(start, end + 1).map((id) => queue.findJob(id)));
    return { total: ids.length, jobs: jobs.filter((j): j is QueuedJob => j !== undefined) };
  }

  /** How many of the caller's jobs are in each state. */
  async counts(caller: Caller, queue: JobQueue): Promise<Record<JobState, number>> {
    const counts = await Promise.all(
      JOB_STATES.map(async (state) => (await this.visibleIds(caller, queue, [state])).length),
    );
    return Object.fromEntries(JOB_STATES.map((s, i) => [s, counts[i] ?? 0])) as Record<
      JobState,
      number
    >;
  }
}

function fromTag(tag: string | undefined): Owner | undefined {
  if (tag === "system") return { kind: "system", reason: "a system job", final: true };
  const id = tag?.startsWith("c") ? Number(tag.slice(1)) : Number.NaN;
  return Number.isSafeInteger(id) && id > 0 ? { kind: "company", companyId: id } : undefined;
}

/** What to remember: a company, or a system verdict that cannot change; nothing else. */
function toTagValue(owner: Owner): string | undefined {
  if (owner.kind === "company") return `c${owner.companyId}`;
  return owner.final ? "system" : undefined;
}
