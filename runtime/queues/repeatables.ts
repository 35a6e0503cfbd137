// Reconciling the cron triggers in Redis with the plan. Bull keys a repeatable job by name, jobId,
// tz and cron, so an edited cron would otherwise add a second trigger and leave the old one firing.
// Each trigger's jobId carries a hash of its data and options: any change to them replaces it too.
// A trigger whose pending next run is gone (removed or cleaned from the delayed set) never fires
// again although Bull still lists it: it is drift too, re-armed (removed and added) by apply.
import { createHash } from "node:crypto";
import { isHandled, type JobPlan, type Plan } from "../compile";

/** A cron trigger the plan wants. */
export interface DesiredRepeatable {
  readonly queue: string;
  readonly name: string;
  readonly cron: string;
  readonly tz: string;
  /** `cf-<hash of data and options>`: Bull's repeat jobId. */
  readonly id: string;
  readonly job: JobPlan;
}

/** A cron trigger found in Redis. */
export interface ExistingRepeatable {
  readonly queue: string;
  readonly key: string;
  readonly name: string;
  readonly id: string | null;
  readonly cron: string;
  readonly tz: string | null;
  readonly next: number;
  /** Whether its next run is still pending (waiting, delayed, active or paused) in Bull. */
  readonly armed: boolean;
}

export interface RepeatableDiff {
  readonly add: readonly DesiredRepeatable[];
  readonly remove: readonly ExistingRepeatable[];
  readonly keep: readonly ExistingRepeatable[];
  /** Wanted triggers whose next run is gone: removed (`key`) and added again by apply. */
  readonly rearm: readonly (DesiredRepeatable & { readonly key: string })[];
}

export function desiredRepeatables(plan: Plan): DesiredRepeatable[] {
  return plan.queues.flatMap((queue) =>
    queue.jobs.flatMap((job) =>
      isHandled(job) && job.repeat
        ? [
            {
              queue: queue.name,
              name: job.name,
              cron: job.repeat.cron,
              tz: job.repeat.tz,
              id: repeatId(job),
              job,
            },
          ]
        : [],
    ),
  );
}

/** Whether a diff changes anything in Redis. */
export function hasChanges(diff: RepeatableDiff): boolean {
  return diff.add.length + diff.remove.length + diff.rearm.length > 0;
}

/** What must change in Redis so that exactly the desired triggers exist, each armed. */
export function diffRepeatables(
  desired: readonly DesiredRepeatable[],
  existing: readonly ExistingRepeatable[],
): RepeatableDiff {
  const identity = (r: {
    queue: string;
    name: string;
    id: string | null;
    cron: string;
    tz: string | null;
  }) => JSON.stringify([r.queue, r.name, r.id ?? "", r.cron, r.tz ?? ""]);
  const wanted = new Map(desired.map((d) => [identity(d), d]));
  const present = new Set(existing.map(identity));
  const stillWanted = existing.filter((e) => wanted.has(identity(e)));
  return {
    add: desired.filter((d) => !present.has(identity(d))),
    remove: existing.filter((e) => !wanted.has(identity(e))),
    keep: stillWanted.filter((e) => e.armed),
    rearm: stillWanted
      .filter((e) => !e.armed)
      .map((e) => ({ ...(wanted.get(identity(e)) as DesiredRepeatable), key: e.key })),
  };
}

function repeatId(job: JobPlan): string {
  const material = JSON.stringify([job.data ?? {}, job.options]);
  return `cf-${createHash("sha256").update(material).digest("hex").slice(0, 12)}`;
}
