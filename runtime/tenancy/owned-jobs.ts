// A company's jobs in a queue, read through the owner tags (adapters/bull/owner-tags.ts): a list
// reads the state's ids and their tags, resolves (and tags) only the jobs never seen before, and
// loads only the page it answers. Used by the queue API and Bull Board alike.
import {
  type BullJob,
  type BullQueue,
  findJob,
  JOB_STATES,
  type JobState,
} from "../adapters/bull/bull-queue-adapter";
import {
  idsInState,
  readJobHeads,
  readOwnerTags,
  writeOwnerTags,
} from "../adapters/bull/owner-tags";
import { type Caller, type Owner, Ownership } from "./ownership";

/** A state's ids beyond this many (newest first) are not listed to a company. */
export const TENANT_SCAN_LIMIT = 10_000;

export class OwnedJobs {
  constructor(
    private readonly ownership: Ownership,
    private readonly scanLimit = TENANT_SCAN_LIMIT,
  ) {}

  /** The owner of each id of `queue` (tags first; the rest resolved, then tagged when final). */
  async owners(queue: BullQueue, ids: readonly string[]): Promise<Map<string, Owner>> {
    const tags = await readOwnerTags(queue, ids);
    const owners = new Map<string, Owner>();
    const untagged: string[] = [];
    ids.forEach((id, i) => {
      const owner = fromTag(tags[i]);
      if (owner) owners.set(id, owner);
      else untagged.push(id);
    });
    const heads = await readJobHeads(queue, untagged);
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
    await writeOwnerTags(queue, toTag);
    return owners;
  }

  /** The job if `caller` may see it; undefined when it is missing or not theirs alike. */
  async visibleJob(caller: Caller, queue: BullQueue, id: string): Promise<BullJob | undefined> {
    const job = await findJob(queue, id);
    if (!job || caller.super) return job;
    const owner = (await this.owners(queue, [String(job.id)])).get(String(job.id));
    return owner && Ownership.mayAct(caller, owner) ? job : undefined;
  }

  /** The ids of `states` (in that order, each newest first) that `caller` may see. */
  async visibleIds(
    caller: Caller,
    queue: BullQueue,
    states: readonly JobState[],
  ): Promise<string[]> {
    const visible: string[] = [];
    for (const state of states) {
      const ids = await idsInState(queue, state, this.scanLimit);
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
    queue: BullQueue,
    states: readonly JobState[],
    start: number,
    end: number,
  ): Promise<{ total: number; jobs: BullJob[] }> {
    const ids = await this.visibleIds(caller, queue, states);
    const jobs = await Promise.all(ids.slice(start, end + 1).map((id) => findJob(queue, id)));
    return { total: ids.length, jobs: jobs.filter((j): j is BullJob => j !== undefined) };
  }

  /** How many of the caller's jobs are in each state. */
  async counts(caller: Caller, queue: BullQueue): Promise<Record<JobState, number>> {
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
